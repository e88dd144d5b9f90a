// The small parts of S3's XML responses the store reads: ListObjectsV2 results and error
// documents. Not a general XML parser: it finds the elements S3 documents, decodes the five
// predefined entities and numeric character references, and rejects anything it cannot
// read with DataLoss (a truncated or garbled response). Thread safe (pure functions).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "objectstore/object_store.h"

namespace lm::objectstore {

struct S3ListResult {
  ListPage page;  // keys exactly as S3 returned them (with the store's prefix)
  bool truncated = false;
};

// Parses a ListBucketResult document. DataLoss when it is not one, when a <Contents> lacks
// <Key> or has a bad <Size>, or when IsTruncated is true without NextContinuationToken.
Result<S3ListResult> ParseListObjectsV2(std::string_view xml);

// The <Code> and <Message> of an S3 error document ("" when absent or not an error).
struct S3Error {
  std::string code;
  std::string message;
};
S3Error ParseS3Error(std::string_view xml);

// Decodes XML character data: &amp; &lt; &gt; &quot; &apos; &#N; &#xH;. DataLoss for an
// unknown or malformed reference.
Result<std::string> XmlUnescape(std::string_view text);

}  // namespace lm::objectstore
