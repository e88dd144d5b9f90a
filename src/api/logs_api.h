// The bounded log and alert query APIs over the query cache (store/logs/).
//
//   GET|POST /api/v1/logs    one page of accepted log records
//   GET|POST /api/v1/alerts  one page of accepted alert records
//
// Parameters (URL query, or an application/x-www-form-urlencoded POST body; form decoding:
// '+' is a space, %XX a byte, so a literal '+' is %2B and "é" is %C3%A9):
//   start, end        RFC 3339 or Unix seconds with an optional fraction (millisecond
//                     precision); inclusive bounds on the record time. Default: unbounded.
//                     end before start: 400.
//   agent_id, boot_id exact identity of the accepted batch that carried the record.
//   severity          exact: unspecified, trace, debug, info, warn, error or fatal
//                     (case-insensitive).
//   min_severity      trace .. fatal: records at least this severe (order trace < debug < info
//                     < warn < error < fatal; unspecified records never match).
//   contains          case-sensitive substring of the message, after form decoding (bytes).
//                     Repeatable: all must occur.
//   icontains         case-insensitive substring (Unicode simple case folding, as RE2's (?i);
//                     must be valid UTF-8). Repeatable.
//   case_insensitive  true|false (also 1|0), default false: true makes `contains` and `regex`
//                     case-insensitive too (contains=x&case_insensitive=true == icontains=x).
//   regex             RE2 syntax, unanchored search in the message ("err" matches "an error";
//                     anchor with ^ and $). Repeatable: all must match. Invalid: 400 naming it.
//   logs only:
//     target          exact target.
//     attr.<key>      attr.<key>=<value>: the record has attribute <key> with exactly <value>
//                     (<key> is the rest of the parameter name, e.g. attr.http.method=GET;
//                     an empty value matches an attribute whose value is empty). Repeatable
//                     over keys; all must hold.
//   alerts only:
//     name            exact alert name.
//     state           firing, resolved or pending.
//     label.<key>     label.<key>=<value>: label equality, as attr.<key> for logs.
//   order             desc (default: newest first) or asc.
//   limit             1..1000, default 100; anything else is 400.
//   cursor            the next_cursor of a previous response, with the same filters and order.
// An empty value counts as an absent parameter, except for attr.<key> and label.<key>.
// Unknown parameters are ignored; of a repeated parameter that is not repeatable, the first
// value counts.
//
// Success: 200
//   {"status":"success",
//    "data":{"logs":[{"time":"2024-05-01T12:00:00.123456789Z",
//                     "time_unix_nano":"1714564800123456789",   (a string: exact in JS)
//                     "agent_id":"web-1","boot_id":"4f0c…",
//                     "seq":42,                                 (seq_start of its batch)
//                     "severity":"error","target":"app::db","message":"…",
//                     "attributes":{"key":"value",…}},…],
//            "next_cursor":"c1.…" | null},
//    "warnings":["…",…]}                                        (omitted when none)
// For /api/v1/alerts the array is "alerts" and each entry has "name", "state" and "labels"
// instead of "target" and "attributes". Records are ordered by time, ties by acceptance order.
// Text that is not valid UTF-8 is returned with U+FFFD replacements.
//
// Cursors: next_cursor is null when no further record matched when the page was read; else
// passing it as `cursor` returns the records ranked after the page's last one. A cursor is a
// position in the store's total order (record time, then append position), not a snapshot:
// paging never skips or repeats a record, also while records are appended concurrently
// (in desc order, records newer than the cursor do not shift later pages; a record appended
// later that ranks after the cursor is included). Append positions are per collector process:
// after a restart a cursor still resumes by time, but records with exactly the cursor's time
// may be repeated or skipped. Cursors are opaque; a malformed cursor, one from the other
// endpoint, or one used with other filters or another order is 400 bad_data.
//
// Warnings: the `warnings` given to the constructor (e.g. that results are local only), plus
// one when `start` is given and precedes the oldest record the store holds, or the store holds
// none: records before it are outside the local horizon.
//
// Errors: 400 {"status":"error","errorType":"bad_data","error":"invalid parameter \"<name>\":
// …"}. Thread safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/message.h"
#include "http/router.h"
#include "store/logs/alert_store.h"
#include "store/logs/log_store.h"

namespace lm::api {

class LogsApi {
 public:
  // The stores must outlive this object. `warnings` are added to every success response.
  LogsApi(const store::logs::LogStore* logs, const store::logs::AlertStore* alerts,
          std::vector<std::string> warnings)
      : logs_(logs), alerts_(alerts), warnings_(std::move(warnings)) {}

  // Registers GET and POST /api/v1/logs and /api/v1/alerts, each wrapped by `wrap` (e.g. the
  // bearer-token check).
  void Register(http::Router* router, const std::function<http::Handler(http::Handler)>& wrap);

  http::Response Logs(const http::Request& request) const;
  http::Response Alerts(const http::Request& request) const;

 private:
  const store::logs::LogStore* logs_;
  const store::logs::AlertStore* alerts_;
  std::vector<std::string> warnings_;
};

}  // namespace lm::api
