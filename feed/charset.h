// The bytes of a saved web page as UTF-8: the encoding found as the HTML standard's
// "encoding sniffing algorithm" finds it, without a transport layer. Pure,
// thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace feedd::feed {

struct DecodedPage {
  std::string text;      // UTF-8; bytes the encoding cannot map become U+FFFD
  std::string encoding;  // the encoding used, as iconv names it ("UTF-8", "WINDOWS-1252")
  std::string declared;  // the label the page gave (BOM, <meta charset>, http-equiv), or ""
  bool replaced = false; // some bytes could not be decoded
};

// In the standard's order: a byte-order mark (UTF-8, UTF-16LE, UTF-16BE); else a
// <meta charset> or <meta http-equiv="Content-Type" content="...charset=..."> in
// the first 1024 bytes (outside comments); else UTF-8 when the bytes are valid
// UTF-8, and windows-1252 otherwise (the standard's default for pages in Latin
// scripts). Labels map as the Encoding standard maps them: "iso-8859-1", "latin1"
// and "us-ascii" mean windows-1252, "gb2312" means GBK, "shift_jis" means
// windows-31j, a UTF-16 label in a <meta> means UTF-8. An unknown label is a
// warning's worth: *unknown_label is set and the default applies. Linear.
DecodedPage DecodeHtmlBytes(std::string_view bytes, std::string* unknown_label = nullptr);

}  // namespace feedd::feed
