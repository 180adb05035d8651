#pragma once
// Unicode tables generated from the UCD (unicode_data.cpp). Internal to identity; use identity/unicode.h.
#include <span>

namespace fanout::identity::unicode_data {

struct CaseMapping {
  char32_t upper;  // code point with a single-code-point simple lowercase mapping
  char32_t lower;  // its lowercase
};

struct Composition {
  char32_t base;      // first code point of a canonical pair
  char32_t mark;      // second code point (usually a combining mark)
  char32_t composed;  // the NFC primary composite of the pair
};

struct Range {
  char32_t first, last;  // inclusive code point range
};

extern const std::span<const CaseMapping> kLowercase;        // sorted by `upper`
extern const std::span<const Composition> kCompositions;     // sorted by (`base`, `mark`)
extern const std::span<const Range> kSpaces;                 // Z* plus ASCII/NEL white space, ZWSP, BOM; sorted
extern const std::span<const Range> kPunctuationAndSymbols;  // P*, S*, other C0/C1 controls; sorted
extern const std::span<const Range> kDecimalDigits;          // Nd; sorted

}  // namespace fanout::identity::unicode_data
