// Checked against AWS's published Signature Version 4 test vectors: the generic test suite
// (service "service", 2015-08-30) and the S3 GET Object example of the S3 API reference.
#include "objectstore/s3/sigv4.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lm::objectstore {
namespace {

const SigV4Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const SigV4Scope kSuiteScope{"20150830T123600Z", "us-east-1", "service"};
const std::string kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kSuiteCredential =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

SigV4Request SuiteRequest(std::string method, std::string uri,
                          std::vector<std::pair<std::string, std::string>> query = {},
                          std::vector<std::pair<std::string, std::string>> extra = {}) {
  SigV4Request r;
  r.method = std::move(method);
  r.canonical_uri = std::move(uri);
  r.query = std::move(query);
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  for (auto& h : extra) r.headers.push_back(std::move(h));
  r.payload_sha256_hex = kEmptyHash;
  return r;
}

TEST(SigV4Test, EmptyPayloadHash) { EXPECT_EQ(Sha256HexOf(""), kEmptyHash); }

TEST(SigV4Test, GetVanilla) {
  SigV4Request r = SuiteRequest("GET", "/");
  EXPECT_EQ(SigV4CanonicalRequest(r),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" +
                kEmptyHash);
  EXPECT_EQ(SigV4StringToSign(r, kSuiteScope),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(SigV4Authorization(r, kSuiteScope, kSuite),
            kSuiteCredential +
                "SignedHeaders=host;x-amz-date, "
                "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, SuiteVectors) {
  struct Case {
    const char* name;
    SigV4Request request;
    std::string want;
  };
  const Case cases[] = {
      {"post-vanilla", SuiteRequest("POST", "/"),
       "SignedHeaders=host;x-amz-date, "
       "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"get-vanilla-query-order-key-case",
       SuiteRequest("GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}),
       "SignedHeaders=host;x-amz-date, "
       "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-unreserved",
       SuiteRequest("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
       "SignedHeaders=host;x-amz-date, "
       "Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"post-header-value-case", SuiteRequest("POST", "/", {}, {{"My-Header1", "VALUE1"}}),
       "SignedHeaders=host;my-header1;x-amz-date, "
       "Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"get-header-value-trim",
       SuiteRequest("GET", "/", {}, {{"My-Header1", " value1"}, {"My-Header2", "\"a   b   c\""}}),
       "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
       "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       SuiteRequest("GET", "/", {},
                    {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}),
       "SignedHeaders=host;my-header1;x-amz-date, "
       "Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SigV4Authorization(c.request, kSuiteScope, kSuite), kSuiteCredential + c.want)
        << c.name;
  }
}

TEST(SigV4Test, S3GetObjectExample) {
  SigV4Request r;
  r.method = "GET";
  r.canonical_uri = "/test.txt";
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Range", "bytes=0-9"},
               {"x-amz-content-sha256", kEmptyHash},
               {"x-amz-date", "20130524T000000Z"}};
  r.payload_sha256_hex = kEmptyHash;
  const SigV4Scope scope{"20130524T000000Z", "us-east-1", "s3"};
  EXPECT_EQ(SigV4StringToSign(r, scope),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(SigV4Authorization(
                r, scope, {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""}),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, UriEncodingAndCanonicalQuery) {
  EXPECT_EQ(SigV4UriEncode("a b/c~d+é", true), "a%20b/c~d%2B%C3%A9");
  EXPECT_EQ(SigV4UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(SigV4CanonicalQuery({{"prefix", "a/b c"}, {"list-type", "2"}, {"a", ""}}),
            "a=&list-type=2&prefix=a%2Fb%20c");
}

}  // namespace
}  // namespace lm::objectstore
