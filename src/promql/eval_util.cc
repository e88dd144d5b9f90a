#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include <fmt/format.h>

#include "common/utf8.h"
#include "promql/evaluator.h"
#include "promql/functions.h"

namespace lm::promql::eval {

QueryError ExecError(std::string msg) { return QueryError{ErrorType::kExecution, std::move(msg)}; }
QueryError BadData(std::string msg) { return QueryError{ErrorType::kBadData, std::move(msg)}; }

QueryError StorageError(const Status& s) {
  ErrorType type =
      s.code() == StatusCode::kUnavailable ? ErrorType::kUnavailable : ErrorType::kInternal;
  return QueryError{type, s.message()};
}

SampleLease& SampleLease::operator=(SampleLease&& o) noexcept {
  if (this != &o) {
    Reset();
    state_ = o.state_;
    n_ = std::exchange(o.n_, 0);
  }
  return *this;
}

void SampleLease::Reset() {
  if (state_ != nullptr && n_ > 0) state_->Release(n_);
  n_ = 0;
}

EvalStatus QueryState::CheckInterrupt() {
  if ((calls_++ & 63) != 0) return std::nullopt;
  if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) {
    return QueryError{ErrorType::kCanceled, "query was canceled in expression evaluation"};
  }
  if (std::chrono::steady_clock::now() > deadline_) {
    return QueryError{ErrorType::kTimeout, "query timed out in expression evaluation"};
  }
  return std::nullopt;
}

EvalStatus QueryState::Reserve(uint64_t n) {
  current_ += n;
  if (current_ > max_samples_) {
    current_ -= n;
    return ExecError("query processing would load too many samples into memory in query execution");
  }
  peak_ = std::max(peak_, current_);
  return std::nullopt;
}

Result<SampleLease, QueryError> QueryState::Lease(const std::vector<Series>& series) {
  uint64_t n = 0;
  for (const Series& s : series) n += s.points.size();
  LM_EVAL_RETURN_IF_ERROR(Reserve(n));
  return SampleLease(this, n);
}

std::string QueryState::Position(size_t pos) const {
  if (query_.empty()) return fmt::format("1:{}", pos + 1);
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < pos && i < query_.size(); ++i) {
    if (query_[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return fmt::format("{}:{}", line, pos - line_start + 1);
}

void QueryState::Warn(std::string_view msg, size_t pos) {
  std::string s = fmt::format("PromQL warning: {} ({})", msg, Position(pos));
  if (seen_.insert(s).second) warnings_.push_back(std::move(s));
}

void QueryState::Info(std::string_view msg, size_t pos) {
  std::string s = fmt::format("PromQL info: {} ({})", msg, Position(pos));
  if (seen_.insert(s).second) infos_.push_back(std::move(s));
}

ValueType TypeOf(const Expr& e) {
  struct V {
    ValueType operator()(const NumberLiteral&) const { return ValueType::kScalar; }
    ValueType operator()(const StringLiteral&) const { return ValueType::kString; }
    ValueType operator()(const VectorSelector&) const { return ValueType::kVector; }
    ValueType operator()(const MatrixSelector&) const { return ValueType::kMatrix; }
    ValueType operator()(const SubqueryExpr&) const { return ValueType::kMatrix; }
    ValueType operator()(const ParenExpr& p) const { return TypeOf(*p.expr); }
    ValueType operator()(const UnaryExpr& u) const { return TypeOf(*u.expr); }
    ValueType operator()(const BinaryExpr& b) const {
      return TypeOf(*b.lhs) == ValueType::kScalar && TypeOf(*b.rhs) == ValueType::kScalar
                 ? ValueType::kScalar
                 : ValueType::kVector;
    }
    ValueType operator()(const AggregateExpr&) const { return ValueType::kVector; }
    ValueType operator()(const Call& c) const { return c.function->return_type; }
  };
  return std::visit(V{}, e.node);
}

const Expr* Unparen(const Expr* e) {
  while (const auto* p = std::get_if<ParenExpr>(&e->node)) e = p->expr.get();
  return e;
}

const LabelsPtr& EmptyLabels() {
  static const LabelsPtr* empty = new LabelsPtr(std::make_shared<const store::Labels>());
  return *empty;
}

LabelsPtr MakeLabels(std::vector<store::Label> labels) {
  if (labels.empty()) return EmptyLabels();
  return std::make_shared<const store::Labels>(std::move(labels));
}

EvalStatus MergeSameLabels(std::vector<Series>* series) {
  const size_t n = series->size();
  if (n < 2) return std::nullopt;
  std::unordered_map<uint64_t, uint32_t> head;
  head.reserve(n);
  std::vector<int64_t> next(n, -1);
  std::vector<int64_t> into(n, -1);
  bool merged = false;
  for (size_t i = 0; i < n; ++i) {
    Series& s = (*series)[i];
    uint64_t h = s.labels->Hash();
    auto [it, inserted] = head.try_emplace(h, static_cast<uint32_t>(i));
    if (inserted) continue;
    int64_t j = it->second;
    for (; j >= 0; j = next[j]) {
      const Series& o = (*series)[j];
      if (o.labels == s.labels || *o.labels == *s.labels) break;
    }
    if (j < 0) {
      next[i] = it->second;
      it->second = static_cast<uint32_t>(i);
      continue;
    }
    Series& t = (*series)[j];
    std::vector<Point> pts;
    pts.reserve(t.points.size() + s.points.size());
    auto a = t.points.begin(), b = s.points.begin();
    while (a != t.points.end() || b != s.points.end()) {
      if (b == s.points.end() || (a != t.points.end() && a->t < b->t)) {
        pts.push_back(*a++);
      } else if (a == t.points.end() || b->t < a->t) {
        pts.push_back(*b++);
      } else {
        return ExecError("vector cannot contain metrics with the same labelset");
      }
    }
    t.points = std::move(pts);
    t.drop_name = t.drop_name || s.drop_name;
    into[i] = j;
    merged = true;
  }
  if (!merged) return std::nullopt;
  size_t w = 0;
  for (size_t i = 0; i < n; ++i) {
    if (into[i] >= 0) continue;
    if (w != i) (*series)[w] = std::move((*series)[i]);
    ++w;
  }
  series->resize(w);
  return std::nullopt;
}

void DropMarkedNames(std::vector<Series>* series) {
  for (Series& s : *series) {
    if (!s.drop_name) continue;
    s.drop_name = false;
    if (!s.labels->Has(store::kMetricNameLabel)) continue;
    std::vector<store::Label> ls;
    ls.reserve(s.labels->size());
    for (const store::Label& l : s.labels->items()) {
      if (l.name != store::kMetricNameLabel) ls.push_back(l);
    }
    s.labels = MakeLabels(std::move(ls));
  }
}

std::string GoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  size_t e = sci.find('e');
  int exp = std::atoi(sci.c_str() + e + 1);
  if (exp < -4 || exp >= 6) {
    int a = std::abs(exp);
    return fmt::format("{}e{}{}{}", sci.substr(0, e), exp < 0 ? '-' : '+', a < 10 ? "0" : "", a);
  }
  r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        out += fmt::format("\\x{:02x}", c);
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string LabelsString(const store::Labels& l) {
  std::string out = "{";
  bool first = true;
  for (const store::Label& x : l.items()) {
    if (!first) out += ", ";
    first = false;
    out += x.name;
    out += '=';
    out += GoQuote(x.value);
  }
  out += '}';
  return out;
}

namespace {

bool Listed(const std::vector<std::string>& names, std::string_view name) {
  return std::binary_search(names.begin(), names.end(), name,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

bool KeepForSignature(const std::vector<std::string>& names, bool include, std::string_view name) {
  if (include) return Listed(names, name);
  return name != store::kMetricNameLabel && !Listed(names, name);
}

}  // namespace

void SignatureKey(const store::Labels& labels, const std::vector<std::string>& names, bool include,
                  std::string* key) {
  key->clear();
  for (const store::Label& l : labels.items()) {
    if (!KeepForSignature(names, include, l.name)) continue;
    key->append(l.name).push_back('\xff');
    key->append(l.value).push_back('\xff');
  }
}

LabelsPtr SignatureLabels(const store::Labels& labels, const std::vector<std::string>& names,
                          bool include) {
  std::vector<store::Label> out;
  for (const store::Label& l : labels.items()) {
    if (KeepForSignature(names, include, l.name)) out.push_back(l);
  }
  return MakeLabels(std::move(out));
}

std::vector<std::string> SortedNames(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool IsValidLabelName(std::string_view name) { return !name.empty() && IsValidUtf8(name); }

LabelsPtr AbsentLabels(const std::vector<store::Matcher>& matchers) {
  // An equality matcher sets its label unless the name was set before; anything else
  // removes it (so x{job="a",job="b"} gives no job label, as in Prometheus).
  std::vector<store::Label> out;
  std::vector<std::string_view> has;
  for (const store::Matcher& m : matchers) {
    if (m.name() == store::kMetricNameLabel) continue;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const store::Label& l) { return l.name == m.name(); });
    if (m.type() == store::MatchType::kEqual &&
        std::find(has.begin(), has.end(), m.name()) == has.end()) {
      if (it != out.end()) {
        it->value = m.value();
      } else {
        out.push_back({m.name(), m.value()});
      }
      has.push_back(m.name());
    } else if (it != out.end()) {
      out.erase(it);
    }
  }
  return MakeLabels(std::move(out));
}

}  // namespace lm::promql::eval
