#include "objectstore/s3/s3_xml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lm::objectstore {
namespace {

TEST(S3XmlTest, ParsesAListingPage) {
  const std::string xml =
      R"(<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      R"(<Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>)"
      R"(<IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;1</NextContinuationToken>)"
      R"(<Contents><Key>p/a&amp;b &#233;</Key><LastModified>x</LastModified><Size>12</Size></Contents>)"
      R"(<Contents><Key>p/c</Key><Size>0</Size></Contents></ListBucketResult>)";
  auto r = ParseListObjectsV2(xml);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->page.objects.size(), 2u);
  EXPECT_EQ(r->page.objects[0].key, "p/a&b é");
  EXPECT_EQ(r->page.objects[0].size, 12u);
  EXPECT_EQ(r->page.objects[1].key, "p/c");
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->page.continuation, "tok&1");
}

TEST(S3XmlTest, RefusesWhatItCannotRead) {
  EXPECT_FALSE(ParseListObjectsV2("<Error><Code>X</Code></Error>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>a</Key>").ok());
  EXPECT_FALSE(
      ParseListObjectsV2("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>")
          .ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>a</Key><Size>x</Size>"
                                  "</Contents></ListBucketResult>")
                   .ok());
  EXPECT_FALSE(
      ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")
          .ok());
  EXPECT_FALSE(XmlUnescape("&bogus;").ok());
  EXPECT_FALSE(XmlUnescape("&#xD800;").ok());
  EXPECT_FALSE(XmlUnescape("a & b").ok());
}

TEST(S3XmlTest, ErrorDocuments) {
  S3Error e = ParseS3Error(
      "<?xml version=\"1.0\"?><Error><Code>PreconditionFailed</Code><Message>At least one "
      "&lt;condition&gt;</Message></Error>");
  EXPECT_EQ(e.code, "PreconditionFailed");
  EXPECT_EQ(e.message, "At least one <condition>");
  EXPECT_EQ(ParseS3Error("").code, "");
}

}  // namespace
}  // namespace lm::objectstore
