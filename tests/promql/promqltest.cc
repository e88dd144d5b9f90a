#include "tests/promql/promqltest.h"

#include <re2/re2.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "promql/functions.h"
#include "promql/parser.h"
#include "tests/promql/promqltest_notation.h"
#include "tests/promql/test_storage.h"

namespace lm::promql::testing {
namespace {

constexpr double kEpsilon = 1e-6;
constexpr double kMinNormal = 2.2250738585072014e-308;

bool AlmostEqual(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < kEpsilon * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < kEpsilon;
}

struct Expectation {
  bool fail = false;
  std::string fail_msg, fail_regex;
  bool warn = false, no_warn = false, info = false, no_info = false;
  std::string warn_msg, warn_regex, info_msg, info_regex;
  bool ordered = false;
  std::optional<std::string> string_value;
  bool range_vector = false;
  int64_t rv_start = 0, rv_end = 0, rv_step = 0;
  bool has_scalar = false;
  double scalar = 0;
  struct ExpSeries {
    store::Labels labels;
    std::vector<SeqValue> values;
  };
  std::vector<ExpSeries> series;
  bool histogram = false;  // an expected value is a native histogram
};

// msg: / regex: suffix of an expect line.
void ParseMsg(std::string_view rest, std::string* msg, std::string* regex) {
  rest = Trim(rest);
  if (StartsWith(rest, "msg:")) {
    *msg = std::string(Trim(rest.substr(4)));
  } else if (StartsWith(rest, "regex:")) {
    *regex = std::string(Trim(rest.substr(6)));
  }
}

bool IsNativeOnlyFunction(std::string_view name) {
  static const std::set<std::string_view> kNames = {
      "histogram_count",  "histogram_sum",    "histogram_avg",      "histogram_fraction",
      "histogram_stddev", "histogram_stdvar", "histogram_quantiles"};
  return kNames.count(name) > 0;
}

class Runner {
 public:
  Runner(std::string_view name, const Engine& engine) : name_(name), engine_(engine) {}

  RunStats Run(std::string_view script) {
    std::vector<std::string> lines;
    {
      std::string s(script);
      std::istringstream in(s);
      std::string l;
      while (std::getline(in, l)) {
        std::string_view t = Trim(l);
        lines.push_back(StartsWith(t, "#") ? std::string() : std::string(t));
      }
    }
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string& l = lines[i];
      if (l.empty()) continue;
      size_t j = i + 1;
      while (j < lines.size() && !lines[j].empty()) ++j;
      std::vector<std::pair<int, std::string>> body;
      for (size_t k = i + 1; k < j; ++k) body.emplace_back(static_cast<int>(k + 1), lines[k]);
      const int lineno = static_cast<int>(i + 1);
      if (StartsWith(l, "load")) {
        Load(lineno, l, body);
      } else if (l == "clear") {
        storage_.Clear();
        native_names_.clear();
        j = i + 1;
      } else if (StartsWith(l, "eval")) {
        Eval(lineno, l, body);
      } else {
        Fail(lineno, fmt::format("unknown command: {}", l));
        j = i + 1;
      }
      i = j - 1;
    }
    return std::move(stats_);
  }

 private:
  void Fail(int line, std::string why) {
    stats_.failed++;
    stats_.failures.push_back(fmt::format("{}:{}: {}", name_, line, why));
  }
  void Skip(int line, std::string why) {
    stats_.skipped++;
    stats_.skips.push_back(fmt::format("{}:{}: {}", name_, line, why));
  }
  void Mismatch(int line, std::string why) {
    stats_.message_mismatches.push_back(fmt::format("{}:{}: {}", name_, line, why));
  }

  void Load(int line, const std::string& cmd,
            const std::vector<std::pair<int, std::string>>& body) {
    const bool nhcb = StartsWith(cmd, "load_with_nhcb");
    auto interval = ParseDuration(std::string_view(cmd).substr(nhcb ? 14 : 4));
    if (!interval) {
      Fail(line, "bad load interval");
      return;
    }
    for (const auto& [ln, text] : body) {
      std::string_view rest;
      auto labels = ParseSeries(text, &rest);
      if (!labels) {
        Fail(ln, fmt::format("bad series: {}", text));
        continue;
      }
      auto seq = ParseSequence(rest);
      if (!seq) {
        Fail(ln, fmt::format("bad points: {}", rest));
        continue;
      }
      std::string_view name = labels->MetricName();
      if (nhcb) {
        for (std::string_view suffix : {"_bucket", "_count", "_sum"}) {
          if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
            native_names_.insert(std::string(name.substr(0, name.size() - suffix.size())));
          }
        }
      }
      for (size_t k = 0; k < seq->size(); ++k) {
        const SeqValue& v = (*seq)[k];
        int64_t t = static_cast<int64_t>(k) * *interval;
        if (v.kind == SeqValue::kValue) storage_.Add(*labels, t, v.v);
        if (v.kind == SeqValue::kHistogram) storage_.AddHistogram(*labels, t);
      }
    }
  }

  // Whether the query names a series whose native-histogram half was not loaded.
  bool MentionsNativeName(std::string_view query) const {
    for (const std::string& n : native_names_) {
      size_t p = 0;
      while ((p = query.find(n, p)) != std::string_view::npos) {
        bool left = p == 0 || !IsMetricChar(query[p - 1]);
        size_t e = p + n.size();
        bool right = e >= query.size() || !IsMetricChar(query[e]);
        if (left && right) return true;
        p = e;
      }
    }
    return false;
  }

  // Functions Prometheus has but functions.h does not (experimental or native-histogram
  // only), and experimental syntax.
  static bool UsesUnsupported(std::string_view query) {
    static const RE2 kCall(R"(([a-zA-Z_][a-zA-Z0-9_]*)\s*\()");
    re2::StringPiece in(query.data(), query.size());
    std::string fn;
    while (RE2::FindAndConsume(&in, kCall, &fn)) {
      if (FindFunction(fn) != nullptr) continue;
      if (IsNativeOnlyFunction(fn)) return true;
      static const std::set<std::string_view> kExperimental = {"first_over_time",
                                                               "ts_of_min_over_time",
                                                               "ts_of_max_over_time",
                                                               "ts_of_first_over_time",
                                                               "ts_of_last_over_time",
                                                               "step",
                                                               "range",
                                                               "min_of",
                                                               "max_of"};
      if (kExperimental.count(fn) > 0) return true;
      if (fn == "start" || fn == "end") {
        // start()/end() as functions (not after @).
        size_t p = std::string_view(query).find(fn + "(");
        while (p != std::string_view::npos) {
          size_t k = p;
          while (k > 0 && std::isspace(static_cast<unsigned char>(query[k - 1]))) --k;
          if (k == 0 || query[k - 1] != '@') return true;
          p = query.find(fn + "(", p + 1);
        }
      }
    }
    static const RE2 kSyntax(
        R"(\[[^\]]*[0-9smhdwy)]\s*[-+*/%^][^\]]*\]|\banchored\b|\bsmoothed\b)");
    return RE2::PartialMatch(re2::StringPiece(query.data(), query.size()), kSyntax);
  }

  void Eval(int line, const std::string& cmd,
            const std::vector<std::pair<int, std::string>>& body) {
    static const RE2 kInstant(
        R"(eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(\S+)\s+)?(.+))");
    static const RE2 kRange(
        R"(eval(?:_(fail|warn|info))?\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.+))");
    std::string mod, at, start, end, step, query;
    bool range = false;
    if (RE2::FullMatch(cmd, kRange, &mod, &start, &end, &step, &query)) {
      range = true;
    } else if (!RE2::FullMatch(cmd, kInstant, &mod, &at, &query)) {
      Fail(line, fmt::format("bad eval command: {}", cmd));
      return;
    }
    Expectation exp;
    if (mod == "fail") exp.fail = true;
    if (mod == "warn") exp.warn = true;
    if (mod == "info") exp.info = true;
    if (mod == "ordered") exp.ordered = true;
    for (const auto& [ln, text] : body) {
      std::string_view t = text;
      if (StartsWith(t, "expect ")) {
        std::string_view e = Trim(t.substr(7));
        if (StartsWith(e, "fail")) {
          exp.fail = true;
          ParseMsg(e.substr(4), &exp.fail_msg, &exp.fail_regex);
        } else if (StartsWith(e, "no_warn")) {
          exp.no_warn = true;
        } else if (StartsWith(e, "no_info")) {
          exp.no_info = true;
        } else if (StartsWith(e, "warn")) {
          exp.warn = true;
          ParseMsg(e.substr(4), &exp.warn_msg, &exp.warn_regex);
        } else if (StartsWith(e, "info")) {
          exp.info = true;
          ParseMsg(e.substr(4), &exp.info_msg, &exp.info_regex);
        } else if (StartsWith(e, "ordered")) {
          exp.ordered = true;
        } else if (StartsWith(e, "string")) {
          std::string_view s = Trim(e.substr(6));
          size_t i = 0;
          auto v = s.empty() ? std::nullopt : ParseQuoted(s, &i);
          if (!v) {
            Fail(ln, "bad expect string");
            return;
          }
          exp.string_value = *v;
        } else if (StartsWith(e, "range vector")) {
          static const RE2 kRv(R"(range vector from (\S+) to (\S+) step (\S+))");
          std::string a, b, c;
          if (!RE2::FullMatch(e, kRv, &a, &b, &c)) {
            Fail(ln, "bad expect range vector");
            return;
          }
          exp.range_vector = true;
          exp.rv_start = ParseDuration(a).value_or(0);
          exp.rv_end = ParseDuration(b).value_or(0);
          exp.rv_step = ParseDuration(c).value_or(1);
        } else {
          Fail(ln, fmt::format("unknown expectation: {}", e));
          return;
        }
        continue;
      }
      if (t.find("{{") != std::string_view::npos) exp.histogram = true;
      if (auto num = ParseNumber(t)) {
        exp.has_scalar = true;
        exp.scalar = *num;
        continue;
      }
      std::string_view rest;
      auto labels = ParseSeries(t, &rest);
      if (!labels) {
        Fail(ln, fmt::format("bad expected result: {}", t));
        return;
      }
      auto seq = ParseSequence(rest);
      if (!seq) {
        if (exp.histogram) continue;
        Fail(ln, fmt::format("bad expected points: {}", rest));
        return;
      }
      exp.series.push_back({*labels, std::move(*seq)});
    }
    if (exp.histogram) {
      Skip(line, "native histogram result");
      return;
    }

    auto parsed = ParseExpr(query);
    if (!parsed.ok()) {
      if (exp.fail) {
        stats_.passed++;
        return;
      }
      if (UsesUnsupported(query)) {
        Skip(line, fmt::format("unsupported function or syntax: {}", query));
        return;
      }
      stats_.parse_failures++;
      Fail(line, fmt::format("parse error: {} in {}", parsed.error().message(), query));
      return;
    }
    storage_.TakeTouchedHistogram();
    Result<QueryResult, QueryError> res = QueryError{ErrorType::kInternal, ""};
    int64_t range_start = 0, range_end = 0, range_step = 1;
    if (range) {
      range_start = ParseDuration(start).value_or(0);
      range_end = ParseDuration(end).value_or(0);
      range_step = ParseDuration(step).value_or(1);
      res = engine_.RangeQuery(storage_, **parsed, range_start, range_end, range_step, {}, query);
    } else {
      res = engine_.InstantQuery(storage_, **parsed, ParseDuration(at).value_or(0), {}, query);
    }
    const bool tainted = storage_.TakeTouchedHistogram() || MentionsNativeName(query);
    std::string why = Check(line, exp, res, range, range_start, range_end, range_step);
    if (why.empty()) {
      stats_.passed++;
    } else if (tainted) {
      Skip(line, fmt::format("touches native histograms: {}: {}", query, why));
    } else {
      Fail(line, fmt::format("{}: {}", query, why));
    }
  }

  // "" when `res` meets `exp`, else why not.
  std::string Check(int line, const Expectation& exp, const Result<QueryResult, QueryError>& res,
                    bool range, int64_t start, int64_t end, int64_t step) {
    if (exp.fail) {
      if (res.ok()) return "expected an error, got a result";
      const std::string& msg = res.error().message;
      if (!exp.fail_msg.empty() && msg != exp.fail_msg) {
        Mismatch(line, fmt::format("error \"{}\", expected \"{}\"", msg, exp.fail_msg));
      }
      if (!exp.fail_regex.empty() && !RE2::PartialMatch(msg, RE2(exp.fail_regex))) {
        Mismatch(line, fmt::format("error \"{}\", expected /{}/", msg, exp.fail_regex));
      }
      return "";
    }
    if (!res.ok()) return fmt::format("unexpected error: {}", res.error().message);
    const QueryResult& r = *res;
    auto check_annos = [&](const std::vector<std::string>& got, bool want, bool want_none,
                           const std::string& msg, const std::string& regex,
                           std::string_view kind) -> std::string {
      if (want && got.empty()) return fmt::format("expected a {} annotation", kind);
      if (want_none && !got.empty()) return fmt::format("unexpected {}: {}", kind, got[0]);
      if (want && !msg.empty() && std::find(got.begin(), got.end(), msg) == got.end()) {
        Mismatch(line, fmt::format("{} \"{}\", expected \"{}\"", kind, got[0], msg));
      }
      if (want && !regex.empty()) {
        RE2 re(regex);
        bool any = std::any_of(got.begin(), got.end(),
                               [&](const std::string& g) { return RE2::PartialMatch(g, re); });
        if (!any) Mismatch(line, fmt::format("{} \"{}\", expected /{}/", kind, got[0], regex));
      }
      return "";
    };
    std::string why =
        check_annos(r.warnings, exp.warn, exp.no_warn, exp.warn_msg, exp.warn_regex, "warning");
    if (!why.empty()) return why;
    why = check_annos(r.infos, exp.info, exp.no_info, exp.info_msg, exp.info_regex, "info");
    if (!why.empty()) return why;

    if (exp.string_value) {
      const auto* s = std::get_if<String>(&r.value);
      if (s == nullptr) return "expected a string";
      if (s->v != *exp.string_value) return fmt::format("got string \"{}\"", s->v);
      return "";
    }
    if (const auto* s = std::get_if<Scalar>(&r.value)) {
      if (!exp.has_scalar) return fmt::format("got scalar {}", s->v);
      if (!AlmostEqual(s->v, exp.scalar))
        return fmt::format("got {}, expected {}", s->v, exp.scalar);
      return "";
    }
    if (exp.has_scalar) return "expected a scalar";
    if (const auto* v = std::get_if<Vector>(&r.value)) {
      if (range) return "range query returned a vector";
      if (v->size() != exp.series.size()) {
        return fmt::format("got {} series, expected {}{}", v->size(), exp.series.size(),
                           v->empty() ? "" : " (first " + (*v)[0].labels.ToString() + ")");
      }
      for (size_t i = 0; i < exp.series.size(); ++i) {
        const auto& e = exp.series[i];
        if (e.values.size() != 1 || e.values[0].kind != SeqValue::kValue) {
          return "expected results of an instant query need one value each";
        }
        size_t found = v->size();
        for (size_t k = 0; k < v->size(); ++k) {
          if ((*v)[k].labels == e.labels) found = k;
        }
        if (found == v->size()) {
          return fmt::format("missing series {} (got e.g. {})", e.labels.ToString(),
                             (*v)[0].labels.ToString());
        }
        if (exp.ordered && found != i) {
          return fmt::format("series {} at position {}, expected {}", e.labels.ToString(), found,
                             i);
        }
        if (!AlmostEqual((*v)[found].v, e.values[0].v)) {
          return fmt::format("{}: got {}, expected {}", e.labels.ToString(), (*v)[found].v,
                             e.values[0].v);
        }
      }
      return "";
    }
    const auto& m = std::get<Matrix>(r.value);
    int64_t s0 = start, s1 = end, st = step;
    if (!range) {
      if (!exp.range_vector) return "got a range vector";
      s0 = exp.rv_start;
      s1 = exp.rv_end;
      st = exp.rv_step;
    }
    std::vector<const Expectation::ExpSeries*> want;
    for (const auto& e : exp.series) {
      bool any = std::any_of(e.values.begin(), e.values.end(),
                             [](const SeqValue& x) { return x.kind == SeqValue::kValue; });
      if (any) want.push_back(&e);
    }
    if (m.size() != want.size()) {
      return fmt::format("got {} series, expected {}{}", m.size(), want.size(),
                         m.empty() ? "" : " (first " + m[0].labels.ToString() + ")");
    }
    for (const auto* e : want) {
      const RangeSeries* got = nullptr;
      for (const RangeSeries& rs : m) {
        if (rs.labels == e->labels) got = &rs;
      }
      if (got == nullptr) {
        return fmt::format("missing series {} (got e.g. {})", e->labels.ToString(),
                           m[0].labels.ToString());
      }
      std::map<int64_t, double> pts;
      for (const Point& p : got->points) pts[p.t] = p.v;
      size_t k = 0;
      for (int64_t t = s0; t <= s1; t += st, ++k) {
        bool want_value = k < e->values.size() && e->values[k].kind == SeqValue::kValue;
        auto it = pts.find(t);
        if (want_value != (it != pts.end())) {
          return fmt::format("{} at {}ms: {}", e->labels.ToString(), t,
                             want_value ? "missing point" : "unexpected point");
        }
        if (want_value && !AlmostEqual(it->second, e->values[k].v)) {
          return fmt::format("{} at {}ms: got {}, expected {}", e->labels.ToString(), t, it->second,
                             e->values[k].v);
        }
        if (it != pts.end()) pts.erase(it);
      }
      if (!pts.empty()) {
        return fmt::format("{}: unexpected point at {}ms", e->labels.ToString(),
                           pts.begin()->first);
      }
    }
    return "";
  }

  std::string name_;
  const Engine& engine_;
  TestStorage storage_;
  std::set<std::string> native_names_;
  RunStats stats_;
};

}  // namespace

void RunStats::Merge(const RunStats& o) {
  passed += o.passed;
  failed += o.failed;
  skipped += o.skipped;
  parse_failures += o.parse_failures;
  skips.insert(skips.end(), o.skips.begin(), o.skips.end());
  failures.insert(failures.end(), o.failures.begin(), o.failures.end());
  message_mismatches.insert(message_mismatches.end(), o.message_mismatches.begin(),
                            o.message_mismatches.end());
}

RunStats RunScript(std::string_view script, std::string_view name, const Engine& engine) {
  return Runner(name, engine).Run(script);
}

RunStats RunFile(const std::string& path, const Engine& engine) {
  std::ifstream in(path);
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (!in) {
    RunStats s;
    s.failed = 1;
    s.failures.push_back(fmt::format("{}: cannot read", path));
    return s;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return RunScript(buf.str(), name, engine);
}

}  // namespace lm::promql::testing
