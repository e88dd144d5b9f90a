#include "api/json_writer.h"

#include <gtest/gtest.h>

namespace lm::api {
namespace {

TEST(JsonWriterTest, NestingAndCommas) {
  std::string s;
  JsonWriter w(&s);
  w.BeginObject()
      .Key("a")
      .Int(1)
      .Key("b")
      .BeginArray()
      .String("x")
      .Double(0.5)
      .Null()
      .EndArray()
      .Key("c")
      .BeginObject()
      .EndObject()
      .Key("d")
      .Bool(true)
      .EndObject();
  EXPECT_EQ(s, R"({"a":1,"b":["x",0.5,null],"c":{},"d":true})");
}

TEST(JsonWriterTest, Escapes) {
  std::string s;
  AppendJsonString(&s, std::string("q\"\\\n\x01\xC3\xA9\xFF", 8));
  EXPECT_EQ(s, "\"q\\\"\\\\\\n\\u0001\xC3\xA9\xEF\xBF\xBD\"");
}

}  // namespace
}  // namespace lm::api
