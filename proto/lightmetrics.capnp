# Lightmetrics wire schema, version 1. One Batch is the payload of one frame (see
# docs/protocol.md for the frame header). Field ordinals are the compatibility contract:
# fields may be added with new ordinals, never renumbered or retyped.
@0xdf258bd6810609d7;

$import "/capnp/c++.capnp".namespace("lm::wire");

# Identifies a batch for acknowledgement and deduplication. The collector accepts an
# identity at most once; the same identity with different bytes is an identity conflict.
struct BatchIdentity {
  agentId @0 :Text;     # the agent id the upload token is bound to
  bootId @1 :Text;      # a UUID chosen when the agent's queue state was created
  seqStart @2 :UInt64;  # first sequence number covered by this batch (inclusive)
  seqEnd @3 :UInt64;    # last sequence number covered (inclusive, >= seqStart)
}

struct HostIdentity {
  hostname @0 :Text;
  machineId @1 :Text;      # /etc/machine-id when readable
  kernelBootId @2 :Text;   # /proc/sys/kernel/random/boot_id
  os @3 :Text;             # e.g. "linux"
  arch @4 :Text;           # e.g. "x86_64"
  agentVersion @5 :Text;
}

struct Label {
  key @0 :Text;
  value @1 :Text;
}

enum MetricKind {
  gauge @0;
  counter @1;
  histogram @2;
}

enum Temporality {
  unspecified @0;   # gauges
  cumulative @1;    # counters and histograms that count since startTimeUnixNano
  delta @2;         # each sample covers only the interval since the previous one
}

struct Sample {
  timeUnixNano @0 :Int64;
  value @1 :Float64;
}

# One classic histogram bucket: the count of observations <= upperBound. Buckets are
# cumulative and ordered by upperBound; the last one is +Inf.
struct Bucket {
  upperBound @0 :Float64;
  count @1 :UInt64;
}

struct HistogramSample {
  timeUnixNano @0 :Int64;
  buckets @1 :List(Bucket);
  sum @2 :Float64;
  count @3 :UInt64;
}

struct MetricSeries {
  name @0 :Text;
  labels @1 :List(Label);
  kind @2 :MetricKind;
  temporality @3 :Temporality;
  startTimeUnixNano @4 :Int64;           # for cumulative series; 0 when unknown
  samples @5 :List(Sample);              # gauge and counter samples
  histogramSamples @6 :List(HistogramSample);  # histogram samples
  unit @7 :Text;
  help @8 :Text;
}

enum Severity {
  unspecified @0;
  trace @1;
  debug @2;
  info @3;
  warn @4;
  error @5;
  fatal @6;
}

struct LogRecord {
  timeUnixNano @0 :Int64;
  severity @1 :Severity;
  target @2 :Text;         # the source: a log input name or an agent component
  message @3 :Text;
  attributes @4 :List(Label);
}

enum AlertState {
  firing @0;
  resolved @1;
  pending @2;
}

struct AlertRecord {
  timeUnixNano @0 :Int64;
  name @1 :Text;
  severity @2 :Severity;
  state @3 :AlertState;
  labels @4 :List(Label);
  message @5 :Text;
}

struct Batch {
  identity @0 :BatchIdentity;
  host @1 :HostIdentity;
  createdUnixNano @2 :Int64;   # when the agent built the batch
  series @3 :List(MetricSeries);
  logs @4 :List(LogRecord);
  alerts @5 :List(AlertRecord);
}
