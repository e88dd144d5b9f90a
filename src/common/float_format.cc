#include "common/float_format.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace lm {
namespace {

std::string Special(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

}  // namespace

std::string FormatFloatFixed(double v) {
  if (!std::isfinite(v)) return Special(v);
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string FormatFloatShort(double v) {
  if (!std::isfinite(v)) return Special(v);
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  int exp = std::atoi(sci.c_str() + sci.find('e') + 1);
  if (exp < -4 || exp >= 21) {
    // Go style exponent: at least two digits ("1e-05", "1e+21").
    auto e = sci.find('e');
    std::string mant = sci.substr(0, e);
    char sign = exp < 0 ? '-' : '+';
    int a = std::abs(exp);
    return mant + "e" + sign + (a < 10 ? "0" : "") + std::to_string(a);
  }
  return FormatFloatFixed(v);
}

}  // namespace lm
