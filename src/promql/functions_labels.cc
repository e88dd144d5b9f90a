// label_replace, label_join and the sort functions.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "promql/evaluator.h"
#include "promql/functions.h"

namespace lm::promql::eval {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Go's regexp Expand: $1, ${1}, $name, ${name} are replaced by the submatch (empty when
// there is none), $$ by $; a malformed reference is kept as text.
std::string Expand(std::string_view tmpl, const RE2& re, const std::vector<re2::StringPiece>& m) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    char c = tmpl[i];
    if (c != '$') {
      out.push_back(c);
      ++i;
      continue;
    }
    ++i;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    bool brace = i < tmpl.size() && tmpl[i] == '{';
    size_t j = brace ? i + 1 : i;
    size_t k = j;
    while (k < tmpl.size() && IsNameChar(tmpl[k])) ++k;
    if (k == j || (brace && (k >= tmpl.size() || tmpl[k] != '}'))) {
      out.push_back('$');
      continue;
    }
    std::string_view name = tmpl.substr(j, k - j);
    i = brace ? k + 1 : k;
    int num = 0;
    for (char d : name) {
      if (d < '0' || d > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (d - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;
    if (num < 0) {
      const auto& named = re.NamedCapturingGroups();
      auto it = named.find(std::string(name));
      if (it != named.end()) num = it->second;
    }
    if (num >= 0 && static_cast<size_t>(num) < m.size() && m[num].data() != nullptr) {
      out.append(m[num].data(), m[num].size());
    }
  }
  return out;
}

// `labels` with `name` set to `value` (removed when empty).
LabelsPtr SetLabel(const store::Labels& labels, const std::string& name, std::string value) {
  std::vector<store::Label> ls;
  ls.reserve(labels.size() + 1);
  bool done = false;
  for (const store::Label& l : labels.items()) {
    if (l.name == name) {
      done = true;
      if (!value.empty()) ls.push_back({l.name, std::move(value)});
      continue;
    }
    ls.push_back(l);
  }
  if (!done && !value.empty()) ls.push_back({name, std::move(value)});
  return MakeLabels(std::move(ls));
}

// Natural order: digit runs compare as numbers, everything else as bytes.
bool NaturalLess(std::string_view a, std::string_view b) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto chunk = [&](std::string_view s, size_t* pos) {
    size_t start = *pos;
    bool digit = is_digit(s[start]);
    while (*pos < s.size() && is_digit(s[*pos]) == digit) ++*pos;
    return s.substr(start, *pos - start);
  };
  size_t i = 0, j = 0;
  while (i < a.size()) {
    if (j >= b.size()) return false;
    std::string_view ca = chunk(a, &i);
    std::string_view cb = chunk(b, &j);
    bool last_a = i >= a.size();
    bool last_b = j >= b.size();
    if (is_digit(ca[0]) && is_digit(cb[0])) {
      auto strip = [](std::string_view s) {
        size_t k = 0;
        while (k + 1 < s.size() && s[k] == '0') ++k;
        return s.substr(k);
      };
      std::string_view na = strip(ca), nb = strip(cb);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
    } else if (ca != cb) {
      return ca < cb;
    }
    if (last_a) return true;
    if (last_b) return false;
  }
  return false;
}

EvalStatus CheckName(std::string_view fn, std::string_view what, const std::string& name) {
  if (IsValidLabelName(name)) return std::nullopt;
  return ExecError(fmt::format("invalid {} label name in {}(): {}", what, fn, name));
}

}  // namespace

EvalResult Evaluator::EvalLabelFunction(const Call& call, const Grid& g) {
  const std::string_view name = call.function->name;
  if (name == "label_replace") {
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*call.args[0], g));
    LM_ASSIGN_OR_RETURN(std::string dst, EvalString(*call.args[1], g));
    LM_ASSIGN_OR_RETURN(std::string repl, EvalString(*call.args[2], g));
    LM_ASSIGN_OR_RETURN(std::string src, EvalString(*call.args[3], g));
    LM_ASSIGN_OR_RETURN(std::string regex, EvalString(*call.args[4], g));
    RE2::Options opt;
    opt.set_log_errors(false);
    RE2 re("^(?s:" + regex + ")$", opt);
    if (!re.ok()) {
      return ExecError(fmt::format("invalid regular expression in label_replace(): {}", regex));
    }
    LM_EVAL_RETURN_IF_ERROR(CheckName("label_replace", "destination", dst));
    std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
    for (Series& s : v.series) {
      std::string_view val = s.labels->Get(src);
      if (!re.Match(re2::StringPiece(val.data(), val.size()), 0, val.size(), RE2::ANCHOR_BOTH,
                    groups.data(), static_cast<int>(groups.size()))) {
        continue;
      }
      s.labels = SetLabel(*s.labels, dst, Expand(repl, re, groups));
      if (dst == store::kMetricNameLabel) s.drop_name = false;
    }
    LM_EVAL_RETURN_IF_ERROR(MergeSameLabels(&v.series));
    return Ok(std::move(v));
  }
  if (name == "label_join") {
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*call.args[0], g));
    LM_ASSIGN_OR_RETURN(std::string dst, EvalString(*call.args[1], g));
    LM_ASSIGN_OR_RETURN(std::string sep, EvalString(*call.args[2], g));
    std::vector<std::string> srcs;
    for (size_t i = 3; i < call.args.size(); ++i) {
      LM_ASSIGN_OR_RETURN(std::string src, EvalString(*call.args[i], g));
      LM_EVAL_RETURN_IF_ERROR(CheckName("label_join", "source", src));
      srcs.push_back(std::move(src));
    }
    LM_EVAL_RETURN_IF_ERROR(CheckName("label_join", "destination", dst));
    for (Series& s : v.series) {
      std::string joined;
      for (size_t i = 0; i < srcs.size(); ++i) {
        if (i > 0) joined += sep;
        joined += s.labels->Get(srcs[i]);
      }
      s.labels = SetLabel(*s.labels, dst, std::move(joined));
      if (dst == store::kMetricNameLabel) s.drop_name = false;
    }
    LM_EVAL_RETURN_IF_ERROR(MergeSameLabels(&v.series));
    return Ok(std::move(v));
  }
  if (name == "sort" || name == "sort_desc" || name == "sort_by_label" ||
      name == "sort_by_label_desc") {
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*call.args[0], g));
    // Only an instant query has an order; range query results are ordered by labels.
    if (g.size() != 1) return Ok(std::move(v));
    auto value = [](const Series& s) { return s.points.front().v; };
    if (name == "sort" || name == "sort_desc") {
      const bool desc = name == "sort_desc";
      std::stable_sort(v.series.begin(), v.series.end(), [&](const Series& a, const Series& b) {
        double x = value(a), y = value(b);
        if (std::isnan(x)) return false;
        if (std::isnan(y)) return true;
        return desc ? x > y : x < y;
      });
      return Ok(std::move(v));
    }
    std::vector<std::string> labels;
    for (size_t i = 1; i < call.args.size(); ++i) {
      LM_ASSIGN_OR_RETURN(std::string l, EvalString(*call.args[i], g));
      labels.push_back(std::move(l));
    }
    const bool desc = name == "sort_by_label_desc";
    std::stable_sort(v.series.begin(), v.series.end(), [&](const Series& a, const Series& b) {
      for (const std::string& l : labels) {
        std::string_view x = a.labels->Get(l), y = b.labels->Get(l);
        if (x == y) continue;
        return desc ? !NaturalLess(x, y) : NaturalLess(x, y);
      }
      return desc ? *b.labels < *a.labels : *a.labels < *b.labels;
    });
    return Ok(std::move(v));
  }
  return BadData(fmt::format("function {} is not supported", name));
}

}  // namespace lm::promql::eval
