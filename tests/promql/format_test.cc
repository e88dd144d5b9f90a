// Format: the canonical text of a tree (Prometheus' /api/v1/format_query) and its round trip
// through the parser.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "promql/ast.h"
#include "promql/parser.h"

namespace lm::promql {
namespace {

std::string FormatOf(std::string_view q) {
  auto r = ParseExpr(q);
  if (!r.ok()) return "ERROR " + r.error().message();
  return Format(**r);
}

// parse -> Format -> parse -> Format must reproduce the first Format.
void ExpectRoundTrip(std::string_view q) {
  auto first = ParseExpr(q);
  ASSERT_TRUE(first.ok()) << q << ": " << first.error().message();
  std::string text = Format(**first);
  auto second = ParseExpr(text);
  ASSERT_TRUE(second.ok()) << q << "\nformatted as\n"
                           << text << "\nwhich does not parse: " << second.error().message();
  EXPECT_EQ(Format(**second), text) << q;
  EXPECT_EQ((*second)->type(), (*first)->type()) << q;
}

TEST(FormatTest, Canonical) {
  struct {
    const char* query;
    const char* formatted;
  } cases[] = {
      // Literals.
      {"1", "1"},
      {"1.50", "1.5"},
      {"-1", "-1"},
      {"+1", "1"},
      {"1e3", "1000"},
      {"1e-3", "0.001"},
      {"0x10", "16"},
      {"010", "8"},
      {"Inf", "+Inf"},
      {"-inf", "-Inf"},
      {"nan", "NaN"},
      {"Inf ^ 2", "Inf ^ 2"},  // "+Inf ^ 2" would be +(Inf ^ 2)
      {"-Inf ^ 2", "-Inf ^ 2"},
      {"Inf * 2", "+Inf * 2"},
      {"5m", "300"},
      {"1e21", "1000000000000000000000"},
      {"\"a\\nb\"", "\"a\\nb\""},
      {"'it\\'s'", "\"it's\""},
      {"`a\\b\"`", "\"a\\\\b\\\"\""},
      {"\"caf\xC3\xA9 \\x01\"", "\"caf\xC3\xA9 \\x01\""},
      // Selectors: name, sorted matchers, quoting.
      {"foo", "foo"},
      {"foo{}", "foo"},
      {"foo{c=~'d', a=\"b\",}", "foo{a=\"b\",c=~\"d\"}"},
      {"{__name__=\"foo\"}", "{__name__=\"foo\"}"},
      {"{\"foo\"}", "{__name__=\"foo\"}"},
      {"{\"my.metric\", \"a.b\"=\"c\"}", "{\"a.b\"=\"c\",__name__=\"my.metric\"}"},
      {"foo{\"a\"=\"b\"}", "foo{a=\"b\"}"},
      {"foo{a!=\"1\", b!~\"2\"}", "foo{a!=\"1\",b!~\"2\"}"},
      {"sum", "sum"},
      // Ranges, subqueries, offset and @ (printed @ first).
      {"foo[5m]", "foo[5m]"},
      {"foo[300]", "foo[5m]"},
      {"foo[1.5]", "foo[1s500ms]"},
      {"foo[90m]", "foo[1h30m]"},
      {"foo[7d]", "foo[1w]"},
      {"foo[8d]", "foo[8d]"},
      {"foo[365d]", "foo[1y]"},
      {"foo[366d]", "foo[366d]"},
      {"foo offset 5m", "foo offset 5m"},
      {"foo offset -1h30m", "foo offset -1h30m"},
      {"foo offset 1m @ 100", "foo @ 100.000 offset 1m"},
      {"foo @ 1.5", "foo @ 1.500"},
      {"foo @ -1", "foo @ -1.000"},
      {"foo @ 4447044444444.441", "foo @ 4447044444444.441"},
      {"foo @ -9.3e15", "foo @ -9223372036854775.808"},
      {"foo @ start()", "foo @ start()"},
      {"foo @ END()", "foo @ end()"},
      {"foo[5m] offset 1m @ end()", "foo[5m] @ end() offset 1m"},
      {"foo{a=\"b\"}[5m] offset -1m", "foo{a=\"b\"}[5m] offset -1m"},
      {"rate(foo[5m])[30m:1m]", "rate(foo[5m])[30m:1m]"},
      {"foo[1h:]", "foo[1h:]"},
      {"foo[1h:] offset 1m @ 5", "foo[1h:] @ 5.000 offset 1m"},
      // Operators and modifiers.
      {"1+2*3", "1 + 2 * 3"},
      {"(1+2)*3", "(1 + 2) * 3"},
      {"-2^2", "-2 ^ 2"},
      {"2 ^ -1", "2 ^ -1"},
      {"- foo", "-foo"},
      {"-(foo)", "-(foo)"},
      {"+foo", "+foo"},
      {"- - foo", "--foo"},
      {"foo > bool 1", "foo > bool 1"},
      {"foo AND bar", "foo and bar"},
      {"foo atan2 bar", "foo atan2 bar"},
      {"foo + on(a,b) group_left(c) bar", "foo + on (a, b) group_left (c) bar"},
      {"foo * ignoring(a) group_right bar", "foo * ignoring (a) group_right () bar"},
      {"foo + ignoring() group_left bar", "foo + ignoring () group_left () bar"},
      {"foo + on() bar", "foo + on () bar"},
      {"foo + ignoring() bar", "foo + bar"},
      {"1 + on() foo", "1 + foo"},
      {"foo == bool on(a) bar", "foo == bool on (a) bar"},
      {"foo or on(\"a.b\") bar", "foo or on (\"a.b\") bar"},
      // Aggregations and calls.
      {"sum(rate(x{a=\"b\"}[5m] offset 1m)) by (job)",
       "sum by (job) (rate(x{a=\"b\"}[5m] offset 1m))"},
      {"sum without(job)(foo)", "sum without (job) (foo)"},
      {"sum by () (foo)", "sum(foo)"},
      {"sum without () (foo)", "sum without () (foo)"},
      {"SUM BY (a, b,) (foo)", "sum by (a, b) (foo)"},
      {"sum by (\"a.b\", on) (foo)", "sum by (\"a.b\", on) (foo)"},
      {"sum by (\"inf\") (foo)", "sum by (\"inf\") (foo)"},
      {"topk(5,foo)", "topk(5, foo)"},
      {"count_values('x', foo)", "count_values(\"x\", foo)"},
      {"quantile by (a) (0.9, foo)", "quantile by (a) (0.9, foo)"},
      {"label_join(foo, \"d\", \",\", \"a\", \"b\")",
       "label_join(foo, \"d\", \",\", \"a\", \"b\")"},
      {"time()", "time()"},
      {"# comment\nfoo # more\n", "foo"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FormatOf(c.query), c.formatted) << c.query;
    ExpectRoundTrip(c.query);
  }
}

TEST(FormatTest, PrettyPrintsLongExpressions) {
  // Longer than 100 characters on one line: split and indented as Prometheus' prettier does.
  std::string q =
      "sum by (job) (rate(http_requests_total{job=\"apiserver\", handler=\"/api/v1/query\", "
      "method=\"GET\", code=\"200\"}[5m]))";
  EXPECT_EQ(FormatOf(q),
            "sum by (job) (\n"
            "  rate(http_requests_total{code=\"200\",handler=\"/api/v1/query\",job=\"apiserver\","
            "method=\"GET\"}[5m])\n"
            ")");
  ExpectRoundTrip(q);
  std::string bin =
      "rate(http_requests_total{job=\"apiserver\"}[5m]) / on (instance) group_left (node) "
      "node_info{cluster=\"production\"} > bool 0.5";
  EXPECT_EQ(FormatOf(bin),
            "    rate(http_requests_total{job=\"apiserver\"}[5m])\n"
            "  / on (instance) group_left (node)\n"
            "    node_info{cluster=\"production\"}\n"
            "> bool\n"
            "  0.5");
  ExpectRoundTrip(bin);
  std::string topk =
      "topk(10, -sum by (namespace, pod) (container_memory_working_set_bytes{container!=\"\", "
      "image!=\"\", namespace=~\"prod-.*\"}))";
  EXPECT_EQ(
      FormatOf(topk),
      "topk(\n"
      "  10,\n"
      "  -sum by (namespace, pod) (\n"
      "    container_memory_working_set_bytes{container!=\"\",image!=\"\",namespace=~\"prod-.*\"}\n"
      "  )\n"
      ")");
  ExpectRoundTrip(topk);
}

TEST(FormatTest, RoundTrips) {
  const char* queries[] = {
      "foo",
      "foo:bar:baz{a=\"b\"}",
      "{__name__=~\"foo.*\", job!=\"x\"}",
      "{\"my.metric\", \"ünïcode\"=\"ü\", '\\t'=\"\\x00\"}",
      "foo{a=\"\\u00a0\\u2028\\xff\\\\\"}",
      "by + without + offset + start + end + and",
      "sum(sum) + avg{x=\"y\"}",
      "foo offset -5m",
      "foo[5m] @ 1603774568.123 offset 1w",
      "foo @ -0.001",
      "foo[1y2w3d4h5m6s7ms]",
      "foo[5m:1s] @ start()",
      "max_over_time(deriv(rate(foo[1m])[5m:1m])[10m:] offset 1d)",
      "(foo)[5m:]",
      "1 - -1",
      "-1 ^ 2",
      "(-1) ^ 2",
      "2 ^ 3 ^ 4",
      "(2 ^ 3) ^ 4",
      "1 - (2 - 3)",
      "-10^3 * - SUM(http_requests_total) BY (job) ^ -1",
      "2/-2^---1*3+2",
      "a or b and c unless d",
      "(a or b) and c",
      "a == bool on(x) group_left(y, z) b",
      "a unless ignoring(x) b",
      "a / on() group_right() b",
      "foo > 1 < 2",
      "1 < bool 2",
      "sum by (a) (foo) / ignoring(a) group_left sum(foo)",
      "topk(scalar(foo), bar)",
      "quantile(0.99, rate(foo[5m]))",
      "count_values without (a) (\"v\", foo)",
      "limit_ratio(0.5, foo) and limitk(1, foo)",
      "histogram_quantile(0.9, sum by (le, \"a.b\") (rate(foo_bucket[5m])))",
      "label_replace(up, \"foo\", \"$1\", \"bar\", \"(.*)\")",
      "sort_by_label(foo, \"a\", \"b\")",
      "round(foo, 0.1)",
      "vector(time()) * pi()",
      "absent_over_time(nonexistent{job=\"x\"}[1h])",
      "predict_linear(foo[1h], 3600)",
      "clamp(foo, -Inf, +Inf)",
      "foo * NaN",
      "1e300 * 5e-324",
      "123456789.123456789",
      "\"\"",
      "`multi\nline`",
      "foo # comment\n + bar",
      "day_of_week()",
  };
  for (const char* q : queries) ExpectRoundTrip(q);
}

TEST(FormatTest, LongChainsRoundTrip) {
  std::string sum = "foo";
  for (int i = 0; i < 200; ++i) sum += " + bar" + std::to_string(i);
  ExpectRoundTrip(sum);
  std::string nested = "foo";
  for (int i = 0; i < 50; ++i) nested = "sum by (a" + std::to_string(i) + ") (" + nested + ")";
  ExpectRoundTrip(nested);
  std::string calls = "foo";
  for (int i = 0; i < 30; ++i) calls = "abs(-" + calls + " * 2)";
  ExpectRoundTrip(calls);
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Every query of the upstream PromQL test files that parses survives the round trip.
TEST(FormatTest, PromqlTestFilesRoundTrip) {
  std::filesystem::path dir = std::filesystem::path(LM_SOURCE_DIR) / ".." / "shared" / "promqltest";
  // The upstream files sit beside the checkout (../shared); without them there is nothing
  // to check.
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " not present";
  size_t tried = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".test") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(Trim(line));
      std::string cmd, kind, skip;
      words >> cmd >> kind;
      if (cmd.rfind("eval", 0) != 0) continue;
      int skip_words = kind == "instant" ? 2 : kind == "range" ? 6 : -1;
      if (skip_words < 0) continue;
      for (int k = 0; k < skip_words; ++k) words >> skip;
      std::string query;
      std::getline(words, query);
      if (!ParseExpr(query).ok()) continue;
      ExpectRoundTrip(query);
      ++tried;
    }
  }
  EXPECT_GT(tried, 1000u);
  std::cout << "promqltest: " << tried << " queries round-trip through Format\n";
}

}  // namespace
}  // namespace lm::promql
