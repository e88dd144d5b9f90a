#include "promql/parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "promql/ast.h"
#include "promql/functions.h"
#include "promql/lexer.h"

namespace lm::promql {
namespace {

// A compact S-expression of a tree, to check shapes in tables:
//   number 1.5, string "s", selector sel{__name__="x",a="b"} [off=<ms>] [at=<ms>|start|end],
//   (range <ms> sel), (subquery <range> <step> expr [off] [at]), (paren e), (neg e), (pos e),
//   (<op>[ bool][ [<card> on|ignoring(l) incl(l)]] lhs rhs), (<agg>[ by(l)|without(l)] [param]
//   expr), (<function> args...).
// With `sorted`, matchers are listed in sorted order (Format sorts them).
std::string Dump(const Expr& e, bool sorted = false);

std::string Mods(int64_t offset_ms, const AtModifier& at) {
  std::string out;
  if (offset_ms != 0) out += fmt::format(" off={}", offset_ms);
  switch (at.kind) {
    case AtModifier::Kind::kNone:
      break;
    case AtModifier::Kind::kTimestamp:
      out += fmt::format(" at={}", at.timestamp_ms);
      break;
    case AtModifier::Kind::kStart:
      out += " at=start";
      break;
    case AtModifier::Kind::kEnd:
      out += " at=end";
      break;
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i > 0 ? "," : "") + v[i];
  return out;
}

std::string DumpSelector(const VectorSelector& vs, bool sorted) {
  std::vector<std::string> m;
  for (const auto& x : vs.matchers) m.push_back(x.ToString());
  if (sorted) std::sort(m.begin(), m.end());
  return "sel{" + Join(m) + "}";
}

struct Dumper {
  bool sorted = false;

  std::string operator()(const NumberLiteral& n) const {
    return std::isnan(n.value) ? "nan" : fmt::format("{}", n.value);
  }
  std::string operator()(const StringLiteral& s) const { return QuoteString(s.value); }
  std::string operator()(const VectorSelector& vs) const {
    return DumpSelector(vs, sorted) + Mods(vs.offset_ms, vs.at);
  }
  std::string operator()(const MatrixSelector& m) const {
    return fmt::format("(range {} {}{})", m.range_ms, DumpSelector(m.selector, sorted),
                       Mods(m.selector.offset_ms, m.selector.at));
  }
  std::string operator()(const SubqueryExpr& s) const {
    return fmt::format("(subquery {} {} {}{})", s.range_ms, s.step_ms, Dump(*s.expr, sorted),
                       Mods(s.offset_ms, s.at));
  }
  std::string operator()(const ParenExpr& p) const {
    return "(paren " + Dump(*p.expr, sorted) + ")";
  }
  std::string operator()(const UnaryExpr& u) const {
    return std::string(u.op == UnaryOp::kMinus ? "(neg " : "(pos ") + Dump(*u.expr, sorted) + ")";
  }
  std::string operator()(const BinaryExpr& b) const {
    std::string out = "(" + std::string(BinaryOpName(b.op));
    if (b.return_bool) out += " bool";
    if (b.matching) {
      static constexpr const char* kCard[] = {"1:1", "n:1", "1:n", "n:n"};
      const auto& m = *b.matching;
      out += fmt::format(" [{} {}({})", kCard[static_cast<int>(m.card)], m.on ? "on" : "ignoring",
                         Join(m.labels));
      if (!m.include.empty()) out += " incl(" + Join(m.include) + ")";
      out += "]";
    }
    return out + " " + Dump(*b.lhs, sorted) + " " + Dump(*b.rhs, sorted) + ")";
  }
  std::string operator()(const AggregateExpr& a) const {
    std::string out = "(" + std::string(AggregateOpName(a.op));
    if (a.without) {
      out += " without(" + Join(a.grouping) + ")";
    } else if (!a.grouping.empty()) {
      out += " by(" + Join(a.grouping) + ")";
    }
    if (a.param) out += " " + Dump(*a.param, sorted);
    return out + " " + Dump(*a.expr, sorted) + ")";
  }
  std::string operator()(const Call& c) const {
    std::string out = "(" + std::string(c.function->name);
    for (const auto& a : c.args) out += " " + Dump(*a, sorted);
    return out + ")";
  }
};

std::string Dump(const Expr& e, bool sorted) { return std::visit(Dumper{sorted}, e.node); }

std::string DumpOrError(std::string_view q) {
  auto r = ParseExpr(q);
  return r.ok() ? Dump(**r) : "ERROR " + r.error().message();
}

std::string ErrorOf(std::string_view q) {
  auto r = ParseExpr(q);
  if (r.ok()) return "parsed: " + Dump(**r);
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << q;
  return r.error().message();
}

struct ShapeCase {
  const char* query;
  const char* tree;
};

void ExpectEqualTreeAfterFormat(std::string_view q);

// Checks each tree, and that Format gives it back.
void ExpectShapes(const std::vector<ShapeCase>& cases) {
  for (const auto& c : cases) {
    EXPECT_EQ(DumpOrError(c.query), c.tree) << c.query;
    ExpectEqualTreeAfterFormat(c.query);
  }
}

constexpr const char* kFoo = "sel{__name__=\"foo\"}";

TEST(ParserTest, NumberLiterals) {
  ExpectShapes({
      {"1", "1"},
      {"1.5", "1.5"},
      {".5", "0.5"},
      {"5.", "5"},
      {"1e3", "1000"},
      {"1E-3", "0.001"},
      {"1.e2", "100"},
      {"12.34e+6", "12340000"},
      {"0x1F", "31"},
      {"0X1f", "31"},
      {"0x_1F", "31"},
      {"010", "8"},  // octal, as Go's ParseInt with base 0
      {"09", "9"},
      {"1_000", "1000"},
      {"00_1_23_4.56_7_8", "1234.5678"},
      {"Inf", "inf"},
      {"+iNf", "inf"},
      {"-inf", "-inf"},
      {"NaN", "nan"},
      {"nAn", "nan"},
      {"-1.5e1", "-15"},
      {"- - 1", "1"},  // signs fold into the literal
      {"+-+1", "-1"},
      {"1e-400", "0"},
      {"5m", "300"},  // a duration is a number of seconds
      {"1h30m", "5400"},
      {"500ms", "0.5"},
      {"2d", "172800"},
      {"1w", "604800"},
      {"1y", "31536000"},
      {"-5m", "-300"},
  });
  EXPECT_EQ(ErrorOf("1e400"),
            "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e400\": value "
            "out of range");
  EXPECT_EQ(ErrorOf("0xFFFFFFFFFFFFFFFFFF"),
            "1:1: parse error: error parsing number: strconv.ParseFloat: parsing "
            "\"0xFFFFFFFFFFFFFFFFFF\": invalid syntax");
}

TEST(ParserTest, StringLiterals) {
  struct {
    const char* query;
    std::string value;
  } cases[] = {
      {R"("double \" quoted")", "double \" quoted"},
      {R"('single \' quoted')", "single ' quoted"},
      {R"("a\nb\tc\\d")", "a\nb\tc\\d"},
      {R"("\a\b\f\r\v")", "\a\b\f\r\v"},
      {R"("\x41\101\u00e9\U0001F600")",
       "AA\xC3\xA9"
       "\xF0\x9F\x98\x80"},
      {R"("\xff")", "\xff"},
      {"`raw \\n \\ \"`", "raw \\n \\ \""},
      {"\"caf\xC3\xA9\"", "caf\xC3\xA9"},
      {R"('')", ""},
  };
  for (const auto& c : cases) {
    auto r = ParseExpr(c.query);
    ASSERT_TRUE(r.ok()) << c.query << ": " << r.error().message();
    const auto* s = std::get_if<StringLiteral>(&(*r)->node);
    ASSERT_NE(s, nullptr) << c.query;
    EXPECT_EQ(s->value, c.value) << c.query;
    EXPECT_EQ((*r)->type(), ValueType::kString);
  }
}

TEST(ParserTest, VectorSelectors) {
  ExpectShapes({
      {"foo", kFoo},
      {"foo:bar", "sel{__name__=\"foo:bar\"}"},
      {":foo", "sel{__name__=\":foo\"}"},
      {"foo{}", kFoo},
      {R"(foo{a="b", c!="d", e=~"f.*", g!~"h",})",
       R"(sel{__name__="foo",a="b",c!="d",e=~"f.*",g!~"h"})"},
      {R"({__name__=~"lm.*"})", R"(sel{__name__=~"lm.*"})"},
      {R"({job=~".+-server", job!~"api-.+"})", R"(sel{job=~".+-server",job!~"api-.+"})"},
      {R"(foo{a='b'})", R"(sel{__name__="foo",a="b"})"},
      {"foo{a=`b\\d`}", R"(sel{__name__="foo",a="b\d"})"},
      {R"(foo{NaN="bc", on="x", by="y"})", R"(sel{__name__="foo",NaN="bc",on="x",by="y"})"},
      {R"(foo{bar='}'})", R"(sel{__name__="foo",bar="}"})"},
      // Prometheus 3 quoted UTF-8 names.
      {R"({"my.metric"})", R"(sel{__name__="my.metric"})"},
      {R"({"my.metric", "a.b"="c", d="e"})", R"(sel{__name__="my.metric",a.b="c",d="e"})"},
      {R"({a="b", "foo", c=~"d"})", R"(sel{a="b",__name__="foo",c=~"d"})"},
      {R"({'foo\'bar', 'a\\dos'="x"})", R"(sel{__name__="foo'bar",a\dos="x"})"},
      {R"({"ünïcode"="x"})", R"(sel{ünïcode="x"})"},
      // Specifying __name__ more than once inside the braces is allowed (as in Prometheus).
      {R"({__name__="bar", __name__="baz"})", R"(sel{__name__="bar",__name__="baz"})"},
      {R"({"bar", __name__="baz"})", R"(sel{__name__="bar",__name__="baz"})"},
      // Keywords that Prometheus accepts as metric names.
      {"sum", R"(sel{__name__="sum"})"},
      {"Min", R"(sel{__name__="Min"})"},
      {"by", R"(sel{__name__="by"})"},
      {"without", R"(sel{__name__="without"})"},
      {"offset", R"(sel{__name__="offset"})"},
      {"start", R"(sel{__name__="start"})"},
      {"end", R"(sel{__name__="end"})"},
      {"and", R"(sel{__name__="and"})"},
      {R"({__name__="on"})", R"(sel{__name__="on"})"},
      {"sum{a=\"b\"}", R"(sel{__name__="sum",a="b"})"},
      {"sum(sum)", R"((sum sel{__name__="sum"}))"},
      {"a + sum", R"((+ [1:1 ignoring()] sel{__name__="a"} sel{__name__="sum"}))"},
      {"foo and and", R"((and [n:n ignoring()] sel{__name__="foo"} sel{__name__="and"}))"},
  });
  auto e = ParseExpr("foo{a=\"b\"}");
  ASSERT_TRUE(e.ok());
  const auto& vs = std::get<VectorSelector>((*e)->node);
  EXPECT_EQ(vs.name, "foo");
  EXPECT_TRUE(std::get<VectorSelector>((*ParseExpr("{\"foo\"}"))->node).name.empty());
  // Regexes are fully anchored.
  auto r = ParseExpr("foo{a=~\"b|c\"}");
  ASSERT_TRUE(r.ok());
  const auto& m = std::get<VectorSelector>((*r)->node).matchers[1];
  EXPECT_TRUE(m.Matches("b"));
  EXPECT_FALSE(m.Matches("ab"));
  EXPECT_FALSE(m.Matches("bc"));
}

TEST(ParserTest, RangesOffsetsAndAt) {
  ExpectShapes({
      {"foo[5m]", "(range 300000 sel{__name__=\"foo\"})"},
      {"foo[1h30m]", "(range 5400000 sel{__name__=\"foo\"})"},
      {"foo[300]", "(range 300000 sel{__name__=\"foo\"})"},  // seconds
      {"foo[1.5]", "(range 1500 sel{__name__=\"foo\"})"},
      {"foo[ 5m ]", "(range 300000 sel{__name__=\"foo\"})"},
      {"foo[+5m]", "(range 300000 sel{__name__=\"foo\"})"},
      {"test[1000ms]", "(range 1000 sel{__name__=\"test\"})"},
      {"foo offset 5m", "sel{__name__=\"foo\"} off=300000"},
      {"foo OFFSET 1h30m", "sel{__name__=\"foo\"} off=5400000"},
      {"foo offset 1m30ms", "sel{__name__=\"foo\"} off=60030"},
      {"foo offset -7m", "sel{__name__=\"foo\"} off=-420000"},
      {"foo offset +7m", "sel{__name__=\"foo\"} off=420000"},
      {"foo offset 90", "sel{__name__=\"foo\"} off=90000"},
      {"foo offset -1.5", "sel{__name__=\"foo\"} off=-1500"},
      {"foo @ 1603774568", "sel{__name__=\"foo\"} at=1603774568000"},
      {"foo @ -100", "sel{__name__=\"foo\"} at=-100000"},
      {"foo @ +1.5", "sel{__name__=\"foo\"} at=1500"},
      {"foo @ .3", "sel{__name__=\"foo\"} at=300"},
      {"foo @ 1m", "sel{__name__=\"foo\"} at=60000"},
      {"foo @ start()", "sel{__name__=\"foo\"} at=start"},
      // Decimal timestamps convert exactly (no float error), rounding half away from zero.
      {"foo @ 4447044444444.441", "sel{__name__=\"foo\"} at=4447044444444441"},
      {"foo @ 1.0005", "sel{__name__=\"foo\"} at=1001"},
      {"foo @ -1.0005", "sel{__name__=\"foo\"} at=-1001"},
      {"foo @ 1.5e-3", "sel{__name__=\"foo\"} at=2"},
      {"foo @ 1_000.5e3", "sel{__name__=\"foo\"} at=1000500000"},
      {"foo @ 010", "sel{__name__=\"foo\"} at=8000"},
      {"foo @ 0x10", "sel{__name__=\"foo\"} at=16000"},
      {"foo @ 9e15", "sel{__name__=\"foo\"} at=9000000000000000000"},
      {"foo @ 9.3e15", "sel{__name__=\"foo\"} at=9223372036854775807"},  // saturates
      {"foo @ END()", "sel{__name__=\"foo\"} at=end"},
      {"foo @ 100 offset 1m", "sel{__name__=\"foo\"} off=60000 at=100000"},
      {"foo offset 1m @ 100", "sel{__name__=\"foo\"} off=60000 at=100000"},
      {"foo[5m] offset 1m @ end()", "(range 300000 sel{__name__=\"foo\"} off=60000 at=end)"},
      {"foo[5m] @ start() offset -1m", "(range 300000 sel{__name__=\"foo\"} off=-60000 at=start)"},
      {"foo[5m:1m]", "(subquery 300000 60000 sel{__name__=\"foo\"})"},
      {"foo[5m:]", "(subquery 300000 0 sel{__name__=\"foo\"})"},
      {"foo[300:60]", "(subquery 300000 60000 sel{__name__=\"foo\"})"},
      {"foo[5m:] offset 1m @ 10", "(subquery 300000 0 sel{__name__=\"foo\"} off=60000 at=10000)"},
      {"foo offset 1m [5m:]", "(subquery 300000 0 sel{__name__=\"foo\"} off=60000)"},
      {"rate(foo[5m])[30m:1m] @ end() offset 1h",
       "(subquery 1800000 60000 (rate (range 300000 sel{__name__=\"foo\"})) off=3600000 at=end)"},
      {"(foo)[5m:]", "(subquery 300000 0 (paren sel{__name__=\"foo\"}))"},
      {"min_over_time(rate(foo[1m])[5m:])[10m:]",
       "(subquery 600000 0 (min_over_time (subquery 300000 0 (rate (range 60000 "
       "sel{__name__=\"foo\"})))))"},
      {"-foo offset 5m", "(neg sel{__name__=\"foo\"} off=300000)"},
      {"foo offset 5m + 1", "(+ sel{__name__=\"foo\"} off=300000 1)"},
      {"foo offset -2^2", "(^ sel{__name__=\"foo\"} off=-2000 2)"},
      {"offset offset 5m", "sel{__name__=\"offset\"} off=300000"},
      {"start @ start()", "sel{__name__=\"start\"} at=start"},
  });
}

TEST(ParserTest, PrecedenceAndAssociativity) {
  ExpectShapes({
      {"1 + 2 * 3", "(+ 1 (* 2 3))"},
      {"1 * 2 + 3", "(+ (* 1 2) 3)"},
      {"1 - 2 - 3", "(- (- 1 2) 3)"},
      {"8 / 4 / 2", "(/ (/ 8 4) 2)"},
      {"2 ^ 3 ^ 2", "(^ 2 (^ 3 2))"},
      {"1 / 2 % 3 * 4 atan2 5", "(atan2 (* (% (/ 1 2) 3) 4) 5)"},
      {"-2 ^ 2", "(neg (^ 2 2))"},
      {"-2 * 3", "(* -2 3)"},
      {"2 ^ -1", "(^ 2 -1)"},
      {"2 ^ -1 ^ 2", "(^ 2 (neg (^ 1 2)))"},
      {"1 + -2 * 3", "(+ 1 (* -2 3))"},
      {"2 * -3 ^ 2", "(* 2 (neg (^ 3 2)))"},
      {"-10^3 * - SUM(a) BY (job) ^ -1",
       "(* (neg (^ 10 3)) (neg (^ (sum by(job) sel{__name__=\"a\"}) -1)))"},
      {"2/-2^---1*3+2", "(+ (* (/ 2 (neg (^ 2 -1))) 3) 2)"},  // ---1 folds to -1
      {"-a ^ b", R"((neg (^ [1:1 ignoring()] sel{__name__="a"} sel{__name__="b"})))"},
      {"-(1)", "(neg (paren 1))"},
      {"+a", "(pos sel{__name__=\"a\"})"},
      {"a or b and c",
       R"((or [n:n ignoring()] sel{__name__="a"} (and [n:n ignoring()] sel{__name__="b"} sel{__name__="c"})))"},
      {"a and b unless c",
       R"((unless [n:n ignoring()] (and [n:n ignoring()] sel{__name__="a"} sel{__name__="b"}) sel{__name__="c"}))"},
      {"a == b + c",
       R"((== [1:1 ignoring()] sel{__name__="a"} (+ [1:1 ignoring()] sel{__name__="b"} sel{__name__="c"})))"},
      {"a > b or c < d",
       R"((or [n:n ignoring()] (> [1:1 ignoring()] sel{__name__="a"} sel{__name__="b"}) (< [1:1 ignoring()] sel{__name__="c"} sel{__name__="d"})))"},
      {"a unless b or c",
       R"((or [n:n ignoring()] (unless [n:n ignoring()] sel{__name__="a"} sel{__name__="b"}) sel{__name__="c"}))"},
      {"1 < bool 2 == bool 3", "(== bool (< bool 1 2) 3)"},
      {"(1 + 2) * 3", "(* (paren (+ 1 2)) 3)"},
      {"1+1", "(+ 1 1)"},
      {"1-1", "(- 1 1)"},
      {"1 - -1", "(- 1 -1)"},
      {"a AND b", R"((and [n:n ignoring()] sel{__name__="a"} sel{__name__="b"}))"},
      {"10 ATAN2 20", "(atan2 10 20)"},
  });
}

TEST(ParserTest, BinaryModifiers) {
  ExpectShapes({
      {"a + b", R"((+ [1:1 ignoring()] sel{__name__="a"} sel{__name__="b"}))"},
      {"a + 1", R"((+ sel{__name__="a"} 1))"},  // no matching with a scalar side
      {"1 + a", R"((+ 1 sel{__name__="a"}))"},
      {"a == bool 1", R"((== bool sel{__name__="a"} 1))"},
      {"1 == bool 1", "(== bool 1 1)"},
      {"a > bool b", R"((> bool [1:1 ignoring()] sel{__name__="a"} sel{__name__="b"}))"},
      {"a * on(x, y) b", R"((* [1:1 on(x,y)] sel{__name__="a"} sel{__name__="b"}))"},
      {"a * on() b", R"((* [1:1 on()] sel{__name__="a"} sel{__name__="b"}))"},
      {"a * ignoring(x) b", R"((* [1:1 ignoring(x)] sel{__name__="a"} sel{__name__="b"}))"},
      {"a * on(x) group_left b", R"((* [n:1 on(x)] sel{__name__="a"} sel{__name__="b"}))"},
      {"a * on(x) group_left(y, z) b",
       R"((* [n:1 on(x) incl(y,z)] sel{__name__="a"} sel{__name__="b"}))"},
      {"a / ignoring(x) group_right(y,) b",
       R"((/ [1:n ignoring(x) incl(y)] sel{__name__="a"} sel{__name__="b"}))"},
      {"a > bool on(x) group_left() b",
       R"((> bool [n:1 on(x)] sel{__name__="a"} sel{__name__="b"}))"},
      {"a and on(x) b", R"((and [n:n on(x)] sel{__name__="a"} sel{__name__="b"}))"},
      {"a or ignoring(x) b", R"((or [n:n ignoring(x)] sel{__name__="a"} sel{__name__="b"}))"},
      {"a unless b", R"((unless [n:n ignoring()] sel{__name__="a"} sel{__name__="b"}))"},
      {"a + on(\"x.y\", on) b", R"((+ [1:1 on(x.y,on)] sel{__name__="a"} sel{__name__="b"}))"},
      {"a + ON(x) GROUP_LEFT(y) b",
       R"((+ [n:1 on(x) incl(y)] sel{__name__="a"} sel{__name__="b"}))"},
      // Prometheus drops matching without labels when a side is a scalar.
      {"1 + on() a", R"((+ 1 sel{__name__="a"}))"},
      {"scalar(a) + on() group_left b", R"((+ (scalar sel{__name__="a"}) sel{__name__="b"}))"},
      {"sum(a) / ignoring(x) sum(b)",
       R"((/ [1:1 ignoring(x)] (sum sel{__name__="a"}) (sum sel{__name__="b"})))"},
  });
}

TEST(ParserTest, Aggregations) {
  ExpectShapes({
      {"sum(foo)", "(sum sel{__name__=\"foo\"})"},
      {"sum by (a, b) (foo)", "(sum by(a,b) sel{__name__=\"foo\"})"},
      {"sum(foo) by (a)", "(sum by(a) sel{__name__=\"foo\"})"},
      {"sum without (a) (foo)", "(sum without(a) sel{__name__=\"foo\"})"},
      {"sum(foo) without (a)", "(sum without(a) sel{__name__=\"foo\"})"},
      {"sum without () (foo)", "(sum without() sel{__name__=\"foo\"})"},
      {"sum by () (foo)", "(sum sel{__name__=\"foo\"})"},
      {"sum by (a,)(foo)", "(sum by(a) sel{__name__=\"foo\"})"},
      {"sum by (\"a.b\", 'c')(foo)", "(sum by(a.b,c) sel{__name__=\"foo\"})"},
      {"sum without(and, by, avg, count, alert, annotations, on, bool, a:b)(foo)",
       "(sum without(and,by,avg,count,alert,annotations,on,bool,a:b) sel{__name__=\"foo\"})"},
      {"SUM(foo) BY (job)", "(sum by(job) sel{__name__=\"foo\"})"},
      {"avg(foo)", "(avg sel{__name__=\"foo\"})"},
      {"min(foo)", "(min sel{__name__=\"foo\"})"},
      {"max(foo)", "(max sel{__name__=\"foo\"})"},
      {"count(foo)", "(count sel{__name__=\"foo\"})"},
      {"group(foo)", "(group sel{__name__=\"foo\"})"},
      {"stddev(foo)", "(stddev sel{__name__=\"foo\"})"},
      {"stdvar(foo)", "(stdvar sel{__name__=\"foo\"})"},
      {"topk(5, foo)", "(topk 5 sel{__name__=\"foo\"})"},
      {"bottomk by (a) (scalar(x), foo)",
       "(bottomk by(a) (scalar sel{__name__=\"x\"}) sel{__name__=\"foo\"})"},
      {"quantile(0.9, foo)", "(quantile 0.9 sel{__name__=\"foo\"})"},
      {"count_values(\"v\", foo)", "(count_values \"v\" sel{__name__=\"foo\"})"},
      {"limitk(2, foo)", "(limitk 2 sel{__name__=\"foo\"})"},
      {"limit_ratio(-0.5, foo)", "(limit_ratio -0.5 sel{__name__=\"foo\"})"},
      {"sum(rate(foo[5m])) by (job) / 2",
       "(/ (sum by(job) (rate (range 300000 sel{__name__=\"foo\"}))) 2)"},
  });
  auto e = ParseExpr("topk(3, foo)");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->type(), ValueType::kVector);
}

TEST(ParserTest, FunctionCalls) {
  ExpectShapes({
      {"time()", "(time)"},
      {"pi()", "(pi)"},
      {"rate(foo[5m])", "(rate (range 300000 sel{__name__=\"foo\"}))"},
      {"round(foo)", "(round sel{__name__=\"foo\"})"},
      {"round(foo, 5)", "(round sel{__name__=\"foo\"} 5)"},
      {"day_of_month()", "(day_of_month)"},
      {"hour(foo)", "(hour sel{__name__=\"foo\"})"},
      {"label_join(foo, \"d\", \",\")", "(label_join sel{__name__=\"foo\"} \"d\" \",\")"},
      {"label_join(foo, \"d\", \",\", \"a\", \"b\", \"c\")",
       "(label_join sel{__name__=\"foo\"} \"d\" \",\" \"a\" \"b\" \"c\")"},
      {"sort_by_label(foo)", "(sort_by_label sel{__name__=\"foo\"})"},
      {"sort_by_label_desc(foo, \"a\", \"b\")",
       "(sort_by_label_desc sel{__name__=\"foo\"} \"a\" \"b\")"},
      {"histogram_quantile(0.9, sum by (le) (rate(foo[5m])))",
       "(histogram_quantile 0.9 (sum by(le) (rate (range 300000 sel{__name__=\"foo\"}))))"},
      {"label_replace(foo, \"d\", \"$1\", \"s\", \"(.*)\")",
       "(label_replace sel{__name__=\"foo\"} \"d\" \"$1\" \"s\" \"(.*)\")"},
      {"clamp(foo, 0, 1)", "(clamp sel{__name__=\"foo\"} 0 1)"},
      {"vector(1)", "(vector 1)"},
      {"double_exponential_smoothing(foo[5m], 0.5, 0.5)",
       "(double_exponential_smoothing (range 300000 sel{__name__=\"foo\"}) 0.5 0.5)"},
      {"quantile_over_time(0.5, foo[5m:])",
       "(quantile_over_time 0.5 (subquery 300000 0 sel{__name__=\"foo\"}))"},
  });
  for (const auto& f : AllFunctions()) {
    // Every function of the table can be called with arguments of its declared types.
    std::string args;
    for (size_t i = 0; i < f.arg_types.size(); ++i) {
      static constexpr const char* kArg[] = {"1", "\"s\"", "x", "x[1m]"};
      args += (i > 0 ? ", " : "") + std::string(kArg[static_cast<int>(f.arg_types[i])]);
    }
    std::string q = fmt::format("{}({})", f.name, args);
    auto r = ParseExpr(q);
    ASSERT_TRUE(r.ok()) << q << ": " << r.error().message();
    EXPECT_EQ((*r)->type(), f.return_type) << q;
  }
}

TEST(ParserTest, CommentsWhitespaceAndLines) {
  ExpectShapes({
      {"  foo  # trailing comment", kFoo},
      {"# leading\nfoo", kFoo},
      {"sum(\n  rate(foo[5m]) # per second\n) by (job)\n",
       "(sum by(job) (rate (range 300000 sel{__name__=\"foo\"})))"},
      {"foo{\n  a=\"b\", # comment\n}", R"(sel{__name__="foo",a="b"})"},
      {"\tfoo\r\n+\r\nbar", R"((+ [1:1 ignoring()] sel{__name__="foo"} sel{__name__="bar"}))"},
  });
}

TEST(ParserTest, Positions) {
  auto e = ParseExpr("  sum(rate(foo[5m])) + -bar");
  ASSERT_TRUE(e.ok());
  const Expr& root = **e;
  EXPECT_EQ(root.pos, 2u);
  const auto& bin = std::get<BinaryExpr>(root.node);
  EXPECT_EQ(bin.lhs->pos, 2u);
  EXPECT_EQ(bin.rhs->pos, 23u);  // the unary minus
  EXPECT_EQ(std::get<UnaryExpr>(bin.rhs->node).expr->pos, 24u);
  const auto& agg = std::get<AggregateExpr>(bin.lhs->node);
  EXPECT_EQ(agg.expr->pos, 6u);
  EXPECT_EQ(std::get<Call>(agg.expr->node).args[0]->pos, 11u);
  auto n = ParseExpr("(- 1)");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::get<ParenExpr>((*n)->node).expr->pos, 1u);  // folded sign starts the literal
}

TEST(ParserTest, Types) {
  struct {
    const char* query;
    ValueType type;
  } cases[] = {
      {"1", ValueType::kScalar},           {"1 + 2", ValueType::kScalar},
      {"(1)", ValueType::kScalar},         {"-time()", ValueType::kScalar},
      {"\"s\"", ValueType::kString},       {"foo", ValueType::kVector},
      {"foo + 1", ValueType::kVector},     {"foo[5m]", ValueType::kMatrix},
      {"foo[5m:]", ValueType::kMatrix},    {"sum(foo)", ValueType::kVector},
      {"scalar(foo)", ValueType::kScalar},
  };
  for (const auto& c : cases) {
    auto r = ParseExpr(c.query);
    ASSERT_TRUE(r.ok()) << c.query;
    EXPECT_EQ((*r)->type(), c.type) << c.query;
  }
}

struct ErrorCase {
  const char* query;
  const char* message;  // the full message
};

void ExpectErrors(const std::vector<ErrorCase>& cases) {
  for (const auto& c : cases) EXPECT_EQ(ErrorOf(c.query), c.message) << c.query;
}

TEST(ParserTest, SyntaxErrors) {
  ExpectErrors({
      {"", "unknown position: parse error: no expression found in input"},
      {"  # only a comment", "1:1: parse error: no expression found in input"},
      {"1 +", "1:4: parse error: unexpected end of input"},
      {"foo bar", "1:5: parse error: unexpected identifier \"bar\""},
      {"foo 1", "1:5: parse error: unexpected number \"1\""},
      {"(1", "1:3: parse error: unclosed left parenthesis"},
      {"1)", "1:3: parse error: unexpected right parenthesis ')'"},
      {"(1 2)", "1:4: parse error: unexpected number \"2\""},
      {"$", "1:1: parse error: unexpected character: '$'"},
      {"foo = bar", "1:5: parse error: unexpected \"=\""},
      {"foo =~ bar", "1:5: parse error: unexpected character after '=': '~'"},
      {"foo !x", "1:5: parse error: unexpected character after '!': 'x'"},
      {"-=", "1:2: parse error: unexpected \"=\""},
      {"++-++-+-+-<", "1:11: parse error: unexpected <op:<>"},
      {"e-+=/(0)", "1:4: parse error: unexpected \"=\""},
      {"a:b(x)", "1:4: parse error: unexpected \"(\""},
      {"foo + group_left(baz) bar", "1:7: parse error: unexpected <group_left>"},
      // Keywords Prometheus does not accept as metric names.
      {"on", "1:1: parse error: unexpected <on>"},
      {"ignoring{a=\"b\"}", "1:1: parse error: unexpected <ignoring>"},
      {"bool", "1:1: parse error: unexpected <bool>"},
      {"group_right", "1:1: parse error: unexpected <group_right>"},
      {"atan2", "1:1: parse error: unexpected <op:atan2>"},
      {"inf{a=\"b\"}", "1:4: parse error: unexpected \"{\""},
      {"foo + on", "1:9: parse error: unexpected end of input in grouping opts, expected \"(\""},
      {"foo + bool", "1:11: parse error: unexpected end of input"},
      {"foo == on(x) bool bar", "1:14: parse error: unexpected <bool>"},
      {"1e", "1:1: parse error: bad number or duration syntax: \"1e\""},
      {"1..2", "1:1: parse error: bad number or duration syntax: \"1..2\""},
      {"0x", "1:1: parse error: bad number or duration syntax: \"0x\""},
      // Strings.
      {"\"abc", "1:1: parse error: unterminated quoted string"},
      {"foo + `abc", "1:7: parse error: unterminated raw string"},
      {"\"\\q\"", "1:1: parse error: unknown escape sequence U+0071 'q'"},
      {"'\\\"'", "1:1: parse error: unknown escape sequence U+0022 '\"'"},
      {"\"\\x4\"", "1:1: parse error: illegal character U+0022 '\"' in escape sequence"},
      {"\"\\uD800\"", "1:1: parse error: escape sequence is an invalid Unicode code point"},
      {"some_metric{a=\"\xff\"}", "1:15: parse error: invalid UTF-8 rune"},
      // Selectors.
      {"{", "1:2: parse error: unexpected end of input inside braces"},
      {"}", "1:1: parse error: unexpected character: '}'"},
      {"some{", "1:6: parse error: unexpected end of input inside braces"},
      {"some_metric{a=b}",
       "1:15: parse error: unexpected identifier \"b\" in label matching, expected string"},
      {"some_metric{a:b=\"b\"}", "1:14: parse error: unexpected character inside braces: ':'"},
      {"foo{a*\"b\"}", "1:6: parse error: unexpected character inside braces: '*'"},
      {"foo{a>=\"b\"}", "1:6: parse error: unexpected character inside braces: '>'"},
      {"foo{gibberish}",
       "1:14: parse error: unexpected \"}\" in label matching, expected label matching operator"},
      {"foo{1}", "1:5: parse error: unexpected character inside braces: '1'"},
      {"foo{__name__= =}",
       "1:15: parse error: unexpected \"=\" in label matching, expected string"},
      {"foo{__name__ == \"bar\"}",
       "1:15: parse error: unexpected \"=\" in label matching, expected string"},
      {"foo{,}",
       "1:5: parse error: unexpected \",\" in label matching, expected identifier or \"}\""},
      {"foo{a=\"b\",,}",
       "1:11: parse error: unexpected \",\" in label matching, expected identifier or \"}\""},
      {"foo{__name__=\"bar\" lol}",
       "1:20: parse error: unexpected identifier \"lol\" in label matching, expected \",\" or "
       "\"}\""},
      {"foo{\"a\"=}", "1:9: parse error: unexpected \"}\" in label matching, expected string"},
      {"foo{a=\"b\"}{c=\"d\"}", "1:11: parse error: unexpected \"{\""},
      // Ranges and subqueries.
      {"foo[5m", "1:7: parse error: unclosed left bracket"},
      {"foo[", "1:5: parse error: unexpected end of input in duration expression"},
      {"foo[]",
       "1:5: parse error: unexpected \"]\" in subquery selector, expected number or duration"},
      {"foo[5m 1m]",
       "1:8: parse error: unexpected duration \"1m\" in subquery or range, expected \":\" or "
       "\"]\""},
      {"foo[5m:1m 2m]",
       "1:11: parse error: unexpected duration \"2m\" in subquery selector, expected \"]\""},
      {"foo[5m:1m:]", "1:10: parse error: unexpected repeated colon in duration expression"},
      {"foo[bar]", "1:5: parse error: unexpected character in duration expression: 'b'"},
      {"foo[5m+1m]", "1:5: parse error: experimental duration expression is not enabled"},
      {"foo[5m:1m*2]", "1:8: parse error: experimental duration expression is not enabled"},
      {"foo[(5m)]", "1:5: parse error: experimental duration expression is not enabled"},
      {"foo offset (5m)", "1:12: parse error: experimental duration expression is not enabled"},
      {"foo[0s]", "1:5: parse error: duration must be greater than 0"},
      {"foo[0]", "1:5: parse error: duration must be greater than 0"},
      {"foo[-5m]", "1:5: parse error: duration must be greater than 0"},
      {"foo[5m:0s]", "1:8: parse error: duration must be greater than 0"},
      {"foo[5m1h]", "1:5: parse error: not a valid duration string: \"5m1h\""},
      {"foo[1h1h]", "1:5: parse error: not a valid duration string: \"1h1h\""},
      {"foo[5mm]", "1:5: parse error: bad number or duration syntax: \"5mm\""},
      {"foo[1.5m]", "1:5: parse error: bad number or duration syntax: \"1.5m\""},
      {"foo[300000y]", "1:5: parse error: duration out of range"},
      {"foo[1e10]", "1:5: parse error: duration out of range"},
      {"foo offset Inf", "1:12: parse error: duration out of range"},
      {"foo offset NaN", "1:12: parse error: duration out of range"},
      {"foo offset",
       "1:11: parse error: unexpected end of input in offset, expected number or "
       "duration"},
      {"foo offset bar",
       "1:12: parse error: unexpected identifier \"bar\" in offset, expected number or duration"},
      {"foo @", "1:6: parse error: unexpected end of input in @, expected timestamp"},
      {"foo @ start", "1:12: parse error: unexpected end of input in @, expected timestamp"},
      {"foo @ --1", "1:8: parse error: unexpected <op:-> in @, expected timestamp"},
      {"foo @ bar", "1:7: parse error: unexpected identifier \"bar\" in @, expected timestamp"},
      // Aggregations and calls.
      {"sum by foo (x)",
       "1:8: parse error: unexpected identifier \"foo\" in grouping opts, expected \"(\""},
      {"sum by (a b) (x)",
       "1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""},
      {"sum by (1) (x)",
       "1:9: parse error: unexpected number \"1\" in grouping opts, expected label"},
      {"sum without(==)(x)",
       "1:13: parse error: unexpected <op:==> in grouping opts, expected label"},
      {"sum without(,)(x)", "1:13: parse error: unexpected \",\" in grouping opts, expected label"},
      {"sum without(foo,,)(x)",
       "1:17: parse error: unexpected \",\" in grouping opts, expected label"},
      {"sum by (\"\") (x)", "1:9: parse error: invalid label name for grouping: \"\""},
      {"sum by (\"\\xff\") (x)", "1:9: parse error: invalid label name for grouping: \"\\xff\""},
      {"sum by (a)", "1:11: parse error: unexpected end of input in aggregation"},
      {"sum by (a) 1", "1:12: parse error: unexpected number \"1\" in aggregation"},
      {"sum(x) by (a) (y)", "1:15: parse error: unexpected \"(\""},
      {"sum by (a) (x) without (b)", "1:16: parse error: unexpected <without>"},
      {"sum()", "1:1: parse error: no arguments for aggregate expression provided"},
      {"topk(foo)",
       "1:1: parse error: wrong number of arguments for aggregate expression provided, expected "
       "2, got 1"},
      {"sum(1, foo)",
       "1:1: parse error: wrong number of arguments for aggregate expression provided, expected "
       "1, got 2"},
      {"rate(foo[5m],)", "1:13: parse error: trailing commas not allowed in function call args"},
      {"sum(foo,)", "1:8: parse error: trailing commas not allowed in function call args"},
      {"rate(,)", "1:6: parse error: unexpected \",\""},
      {"rate(foo bar)", "1:10: parse error: unexpected identifier \"bar\""},
      {"foo_bar()", "1:1: parse error: unknown function with name \"foo_bar\""},
      {"a>b()", "1:3: parse error: unknown function with name \"b\""},
      {"RATE(foo[5m])", "1:1: parse error: unknown function with name \"RATE\""},
      {"histogram_counts(foo)",
       "1:1: parse error: unknown function with name \"histogram_counts\""},
  });
}

TEST(ParserTest, ModifierErrors) {
  ExpectErrors({
      {"foo offset 1m offset 2m", "1:1: parse error: offset may not be set multiple times"},
      {"foo[5m] offset 1m offset 2m", "1:1: parse error: offset may not be set multiple times"},
      {"foo @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times"},
      {"foo @ start() @ end()", "1:1: parse error: @ <timestamp> may not be set multiple times"},
      {"foo @ Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"},
      {"foo @ -Inf", "1:1: parse error: timestamp out of bounds for @ modifier: -Inf"},
      {"foo @ NaN", "1:1: parse error: timestamp out of bounds for @ modifier: NaN"},
      {"foo @ 1e19",
       "1:1: parse error: timestamp out of bounds for @ modifier: 10000000000000000000.000000"},
      {"foo offset 5m[5m]", "1:14: parse error: no offset modifiers allowed before range"},
      {"foo @ 5 [5m]", "1:9: parse error: no @ modifiers allowed before range"},
      {"sum(x)[5m]", "1:7: parse error: ranges only allowed for vector selectors"},
      {"(foo)[5m]", "1:6: parse error: ranges only allowed for vector selectors"},
      {"foo[5m][5m]", "1:8: parse error: ranges only allowed for vector selectors"},
      {"\"a\"[5m]", "1:4: parse error: ranges only allowed for vector selectors"},
      {"sum(x) offset 5m",
       "1:1: parse error: offset modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"(foo) offset 5m",
       "1:1: parse error: offset modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"1 offset 5m",
       "1:1: parse error: offset modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"1 @ 5",
       "1:1: parse error: @ modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"rate(foo[5m]) @ end()",
       "1:1: parse error: @ modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
  });
}

TEST(ParserTest, TypeErrors) {
  ExpectErrors({
      {"{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"{x=\"\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"{x=~\".*\"}",
       "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"{x!~\".+\"}",
       "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"{x!=\"a\"}",
       "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"rate({x=\"\"}[5m])",
       "1:6: parse error: vector selector must contain at least one non-empty matcher"},
      {"foo{__name__=\"bar\"}",
       "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\""},
      {"foo{\"bar\"}", "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\""},
      {"foo == on(bar) 10",
       "1:1: parse error: vector matching only allowed between instant vectors"},
      {"1 or on(bar) foo",
       "1:1: parse error: vector matching only allowed between instant vectors"},
      {"foo and on(bar) group_left(baz) bar",
       "1:1: parse error: no grouping allowed for \"and\" operation"},
      {"foo or on(bar) group_right(baz) bar",
       "1:1: parse error: no grouping allowed for \"or\" operation"},
      {"foo unless on(bar) group_left(baz) bar",
       "1:1: parse error: no grouping allowed for \"unless\" operation"},
      {"http_requests{group=\"production\"} + on(instance) group_left(job,instance) "
       "cpu_count{type=\"smp\"}",
       "1:35: parse error: label \"instance\" must not occur in ON and GROUP clause at once"},
      {"foo + bool bar",
       "1:5: parse error: bool modifier can only be used on comparison operators"},
      {"foo + bool 10", "1:5: parse error: bool modifier can only be used on comparison operators"},
      {"foo and bool 10",
       "1:5: parse error: bool modifier can only be used on comparison operators"},
      {"1 == 1", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
      {"1 > time()", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
      {"1 and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
      {"1 and foo",
       "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
      {"foo unless 1",
       "1:1: parse error: set operator \"unless\" not allowed in binary scalar expression"},
      {"\"a\" + 1",
       "1:1: parse error: binary expression must contain only scalar and instant vector types"},
      {"1 + foo[5m]",
       "1:5: parse error: binary expression must contain only scalar and instant vector types"},
      {"foo[5m:] * foo",
       "1:1: parse error: binary expression must contain only scalar and instant vector types"},
      {"-\"a\"",
       "1:1: parse error: unary expression only allowed on expressions of type scalar or instant "
       "vector, got \"string\""},
      {"-foo[5m]",
       "1:1: parse error: unary expression only allowed on expressions of type scalar or instant "
       "vector, got \"range vector\""},
      {"1[5m:]",
       "1:1: parse error: subquery is only allowed on instant vector, got scalar instead"},
      {"foo[5m][10m:]",
       "1:1: parse error: subquery is only allowed on instant vector, got matrix instead"},
      {"rate(foo)",
       "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
       "vector"},
      {"rate(avg)",
       "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
       "vector"},
      {"abs(foo[5m])",
       "1:5: parse error: expected type instant vector in call to function \"abs\", got range "
       "vector"},
      {"abs(1)",
       "1:5: parse error: expected type instant vector in call to function \"abs\", got scalar"},
      {"round(foo, \"a\")",
       "1:12: parse error: expected type scalar in call to function \"round\", got string"},
      {"label_join(foo, \"a\", \"b\", \"c\", 1)",
       "1:32: parse error: expected type string in call to function \"label_join\", got scalar"},
      {"rate(foo[5m], 1)", "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 2"},
      {"time(1)", "1:1: parse error: expected 0 argument(s) in call to \"time\", got 1"},
      {"round()", "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0"},
      {"round(foo, 1, 2)",
       "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3"},
      {"hour(foo, foo)",
       "1:1: parse error: expected at most 1 argument(s) in call to \"hour\", got 2"},
      {"label_join(foo, \"a\")",
       "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 2"},
      {"sort_by_label()",
       "1:1: parse error: expected at least 1 argument(s) in call to \"sort_by_label\", got 0"},
      {"sum(1)",
       "1:5: parse error: expected type instant vector in aggregation expression, got scalar"},
      {"sum(foo[5m])",
       "1:5: parse error: expected type instant vector in aggregation expression, got range "
       "vector"},
      {"topk(\"a\", foo)",
       "1:6: parse error: expected type scalar in aggregation parameter, got string"},
      {"quantile(foo, foo)",
       "1:10: parse error: expected type scalar in aggregation parameter, got instant vector"},
      {"count_values(1, foo)",
       "1:14: parse error: expected type string in aggregation parameter, got scalar"},
      // The first error wins, in Prometheus' checking order.
      {"rate(foo) + \"a\"",
       "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
       "vector"},
  });
}

TEST(ParserTest, ErrorLinesAndColumns) {
  ExpectErrors({
      {"foo +\n  bar +\n  baz{", "3:7: parse error: unexpected end of input inside braces"},
      {"foo\n  + bool bar",
       "2:3: parse error: bool modifier can only be used on comparison "
       "operators"},
      {"1 +\n\"a\"",
       "2:1: parse error: binary expression must contain only scalar and instant vector types"},
      {"sum(\n  rate(foo)\n)",
       "2:8: parse error: expected type range vector in call to function \"rate\", got instant "
       "vector"},
      {"# comment\nfoo bar", "2:5: parse error: unexpected identifier \"bar\""},
      {"x{a=\"\xC3\xA9\"} $", "1:11: parse error: unexpected character: '$'"},  // bytes, not chars
  });
}

TEST(ParserTest, NestingLimit) {
  std::string ok = std::string(500, '(') + "1" + std::string(500, ')');
  EXPECT_TRUE(ParseExpr(ok).ok());
  std::string deep = std::string(5000, '(') + "1" + std::string(5000, ')');
  EXPECT_NE(ErrorOf(deep).find("nesting exceeds the limit"), std::string::npos);
  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  EXPECT_NE(ErrorOf(chain).find("nesting exceeds the limit"), std::string::npos);
  std::string unary = std::string(5000, '-') + "foo";
  EXPECT_NE(ErrorOf(unary).find("nesting exceeds the limit"), std::string::npos);
  std::string sub = "foo";
  for (int i = 0; i < 5000; ++i) sub += "[1m:]";
  EXPECT_NE(ErrorOf(sub).find("nesting exceeds the limit"), std::string::npos);
}

// parse(Format(e)) gives the same tree (matchers compared as a set: Format sorts them).
void ExpectEqualTreeAfterFormat(std::string_view q) {
  auto first = ParseExpr(q);
  if (!first.ok()) return;
  std::string text = Format(**first);
  auto second = ParseExpr(text);
  ASSERT_TRUE(second.ok()) << q << " -> " << text << ": " << second.error().message();
  EXPECT_EQ(Dump(**second, true), Dump(**first, true)) << q << " -> " << text;
}

TEST(ParserTest, FormatGivesAnEqualTree) {
  for (const char* q : {"foo{b=\"1\", a=\"2\"}",
                        "{\"my.metric\", \"a.b\"=\"c\"}",
                        "sum by () (foo)",
                        "sum without () (foo)",
                        "a + ignoring() b",
                        "a * ignoring() group_left b",
                        "1 + on() foo",
                        "-NaN",
                        "- - 1",
                        "+Inf ^ 2",
                        "foo[1.0005]",
                        "foo offset 0.5",
                        "foo @ 1.0004",
                        "x[5m:] @ end() offset -1m",
                        "label_join(foo, \"a\", \",\")",
                        "-(-foo)",
                        "--foo",
                        "2 ^ -1 ^ 2",
                        "topk by (a) (1, foo) or bottomk without (b) (2, foo)",
                        "sum(sum) + by"}) {
    ExpectEqualTreeAfterFormat(q);
  }
}

// Every query of the upstream PromQL test files (see /work/shared/promqltest/FORMAT.md) must
// parse, except expected failures (which may fail for semantic reasons) and the experimental
// syntax and native-histogram functions Lightmetrics does not have.
struct TestQuery {
  std::string file;
  int line = 0;
  std::string query;
  bool expect_fail = false;
};

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::vector<TestQuery> LoadTestQueries(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<TestQuery> out;
  for (const auto& path : files) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::istringstream words(Trim(lines[i]));
      std::string cmd, kind;
      words >> cmd >> kind;
      if (cmd.rfind("eval", 0) != 0) continue;
      std::string skip;
      if (kind == "instant") {
        words >> skip >> skip;  // at <time>
      } else if (kind == "range") {
        for (int k = 0; k < 6; ++k) words >> skip;  // from a to b step c
      } else {
        continue;
      }
      TestQuery q;
      q.file = path.filename().string();
      q.line = static_cast<int>(i + 1);
      std::getline(words, q.query);
      q.query = Trim(q.query);
      q.expect_fail = cmd == "eval_fail";
      for (size_t j = i + 1; j < lines.size(); ++j) {
        const std::string& l = lines[j];
        if (l.empty() || !(l[0] == ' ' || l[0] == '\t')) break;
        if (Trim(l).rfind("expect fail", 0) == 0) q.expect_fail = true;
      }
      out.push_back(std::move(q));
    }
  }
  return out;
}

// Why a query may legitimately fail to parse here, or "".
std::string Unsupported(const std::string& query) {
  // Look at the query with string literals blanked (label regexes contain brackets).
  static const std::regex kStrings(R"("(\\.|[^"\\])*"|'(\\.|[^'\\])*'|`[^`]*`)");
  std::string bare = std::regex_replace(query, kStrings, "\"\"");
  static const std::regex kAtStartEnd(R"(@\s*(start|end)\s*\(\s*\))");
  bare = std::regex_replace(bare, kAtStartEnd, "@ 0");
  static const std::regex kExperimental(
      R"(\b(step|range|min_of|max_of|start|end|info|first_over_time|ts_of_\w+)\s*\(|)"
      R"(\b(anchored|smoothed)\b|\[[^\]]*[-+*/%^(][^\]]*\]|offset\s*\()");
  if (std::regex_search(bare, kExperimental)) return "experimental syntax";
  static const std::regex kNativeHistogram(
      R"(\bhistogram_(avg|count|sum|stddev|stdvar|fraction|quantiles)\s*\()");
  if (std::regex_search(bare, kNativeHistogram)) return "native histogram function";
  if (query.find("{{") != std::string::npos) return "native histogram literal";
  return "";
}

TEST(ParserTest, PromqlTestFiles) {
  std::filesystem::path dir = std::filesystem::path(LM_SOURCE_DIR) / ".." / "shared" / "promqltest";
  // The upstream files sit beside the checkout (../shared); without them there is nothing
  // to check.
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not present";
  std::vector<TestQuery> queries = LoadTestQueries(dir);
  ASSERT_GT(queries.size(), 1000u);
  size_t parsed = 0;
  std::map<std::string, std::pair<size_t, size_t>> skipped;  // reason -> (total, parsed)
  for (const auto& q : queries) {
    auto r = ParseExpr(q.query);
    if (r.ok()) ++parsed;
    ExpectEqualTreeAfterFormat(q.query);
    std::string reason = Unsupported(q.query);
    if (reason.empty() && q.expect_fail) reason = "expect fail";
    if (!reason.empty()) {
      auto& s = skipped[reason];
      ++s.first;
      if (r.ok()) ++s.second;
      continue;
    }
    EXPECT_TRUE(r.ok()) << q.file << ":" << q.line << ": " << q.query << "\n  "
                        << r.error().message();
  }
  std::string summary = fmt::format("promqltest: {} of {} queries parse", parsed, queries.size());
  for (const auto& [reason, counts] : skipped) {
    summary += fmt::format("; {}: {} ({} parse)", reason, counts.first, counts.second);
  }
  std::cout << summary << "\n";
  RecordProperty("summary", summary);
}

}  // namespace
}  // namespace lm::promql
