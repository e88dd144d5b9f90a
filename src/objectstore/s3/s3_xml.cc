#include "objectstore/s3/s3_xml.h"

#include <charconv>

#include <fmt/format.h>

namespace lm::objectstore {
namespace {

Status Bad(std::string_view why) { return DataLoss(fmt::format("S3 response: {}", why)); }

// The text between <tag> and </tag> starting the search at *pos; advances *pos past the
// closing tag. False when there is no such element after *pos (or before `end`).
bool NextElement(std::string_view xml, std::string_view tag, size_t* pos, std::string_view* inner,
                 size_t end = std::string_view::npos) {
  const std::string open = fmt::format("<{}>", tag);
  const std::string close = fmt::format("</{}>", tag);
  const size_t b = xml.find(open, *pos);
  if (b == std::string_view::npos || b >= end) return false;
  const size_t content = b + open.size();
  const size_t e = xml.find(close, content);
  if (e == std::string_view::npos || e > end) return false;
  *inner = xml.substr(content, e - content);
  *pos = e + close.size();
  return true;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

Result<std::string> XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) return Bad("malformed entity");
    const std::string_view ref = text.substr(i + 1, semi - i - 1);
    if (ref == "amp") {
      out.push_back('&');
    } else if (ref == "lt") {
      out.push_back('<');
    } else if (ref == "gt") {
      out.push_back('>');
    } else if (ref == "quot") {
      out.push_back('"');
    } else if (ref == "apos") {
      out.push_back('\'');
    } else if (ref.size() >= 2 && ref[0] == '#') {
      const bool hex = ref[1] == 'x' || ref[1] == 'X';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [p, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || cp == 0 ||
          cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return Bad("bad character reference");
      }
      AppendUtf8(cp, &out);
    } else {
      return Bad(fmt::format("unknown entity &{};", ref.substr(0, 10)));
    }
    i = semi;
  }
  return out;
}

Result<S3ListResult> ParseListObjectsV2(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return Bad("not a ListBucketResult document");
  }
  if (xml.find("</ListBucketResult>") == std::string_view::npos) return Bad("truncated listing");
  S3ListResult out;
  size_t pos = 0;
  std::string_view contents;
  while (NextElement(xml, "Contents", &pos, &contents)) {
    size_t p = 0;
    std::string_view key;
    std::string_view size;
    if (!NextElement(contents, "Key", &p, &key)) return Bad("<Contents> without <Key>");
    LM_ASSIGN_OR_RETURN(std::string decoded, XmlUnescape(key));
    ObjectInfo info;
    info.key = std::move(decoded);
    p = 0;
    if (NextElement(contents, "Size", &p, &size)) {
      auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), info.size);
      if (ec != std::errc() || ptr != size.data() + size.size()) return Bad("bad <Size>");
    }
    out.page.objects.push_back(std::move(info));
  }
  pos = 0;
  std::string_view truncated;
  if (NextElement(xml, "IsTruncated", &pos, &truncated)) out.truncated = truncated == "true";
  if (out.truncated) {
    pos = 0;
    std::string_view token;
    if (!NextElement(xml, "NextContinuationToken", &pos, &token) || token.empty()) {
      return Bad("IsTruncated without NextContinuationToken");
    }
    LM_ASSIGN_OR_RETURN(out.page.continuation, XmlUnescape(token));
  }
  return out;
}

S3Error ParseS3Error(std::string_view xml) {
  S3Error e;
  if (xml.find("<Error>") == std::string_view::npos) return e;
  size_t pos = 0;
  std::string_view v;
  auto text = [](std::string_view raw) {
    auto decoded = XmlUnescape(raw);
    return decoded.ok() ? std::move(decoded).value() : std::string(raw);
  };
  if (NextElement(xml, "Code", &pos, &v)) e.code = text(v);
  pos = 0;
  if (NextElement(xml, "Message", &pos, &v)) e.message = text(v);
  return e;
}

}  // namespace lm::objectstore
