// Small reads of a Gumbo parse tree shared by the saved-page reader's two halves
// (feed/html_metadata.h, what a page says about itself; feed/html_page.cc, where its
// article is and what it says): element tests, attributes, text. Every walk is
// bounded by kMaxHtmlNesting.
#pragma once

#include <gumbo.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace feedd::feed::dom {

bool IsElement(const GumboNode* n);
GumboTag TagOf(const GumboNode* n);  // GUMBO_TAG_UNKNOWN for text and unknown elements
const GumboVector* ChildrenOf(const GumboNode* n);  // nullptr for text
const GumboNode* Child(const GumboVector* v, unsigned i);
std::string_view AttrOf(const GumboNode* n, const char* name);  // "" when absent
bool HasAttr(const GumboNode* n, const char* name);
int LineOf(const GumboNode* n);  // where the element starts, 1-based; 0 for text

// The name of an element Gumbo 0.10 does not know (<dialog>, <picture>, custom
// elements), lowercased; "" for known ones.
std::string UnknownName(const GumboNode* n);

std::string LowerCopy(std::string_view s);  // ASCII
// Whether the space-separated list `list` holds `token` (ASCII case-insensitively).
bool HasToken(std::string_view list, std::string_view token);
bool HasClass(const GumboNode* n, std::string_view cls);
// The first element at or under `n` with class `cls`, in document order, or nullptr.
const GumboNode* FirstWithClass(const GumboNode* n, std::string_view cls);

// An image: <img>, or AMP's <amp-img> (an AMP page has no other).
bool IsImage(const GumboNode* n);
// The best candidate of a srcset list, as HTML parses one: the widest ("800w"), else
// the densest ("2x"), else the first; "" when none.
std::string_view BestSrcsetCandidate(std::string_view list);

// Phrasing elements: they flow inside a paragraph.
bool IsInline(GumboTag tag);

// White space runs as one space, trimmed.
std::string Collapse(std::string_view s);
// The text of an element, scripts and styles left out, blocks spaced, collapsed.
std::string TextOf(const GumboNode* n);
// The text children of a raw-text element (<script>, <style>) as they are.
std::string RawTextOf(const GumboNode* n);

// The first value that is not blank, trimmed; "" when all are.
std::string FirstOf(std::initializer_list<std::string> values);
bool IsHttpUrl(std::string_view url);  // starts with http:// or https://, any case

}  // namespace feedd::feed::dom
