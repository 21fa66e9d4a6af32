// What an article's id becomes in Atom, where atom:id must be an absolute IRI
// (RFC 4287 4.2.6). Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace feedd::feed {

// True when `id` is an absolute IRI as far as feed readers and validators care:
// a scheme (RFC 3987: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )), ':', and no
// character an IRI forbids (spaces, controls, < > " { } | \ ^ `, and '%' not
// followed by two hex digits). "tag:example.org,2026:x" and "https://a/b" are;
// "12345", "post 7" and ":x" are not.
bool IsAbsoluteIri(std::string_view id);

// The atom:id of an article whose id is `id`: `id` itself when it is an absolute
// IRI, else "urn:feedd:" and `id` with every byte outside ALPHA / DIGIT / "-._~"
// written as %XX (uppercase hex): "12345" -> "urn:feedd:12345", "a b" ->
// "urn:feedd:a%20b". RSS guid and JSON Feed id keep `id` as it is.
std::string AtomEntryId(const std::string& id);

}  // namespace feedd::feed
