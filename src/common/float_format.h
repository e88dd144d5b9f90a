// Float formatting that matches what Prometheus clients expect. Thread safe.
#pragma once

#include <string>

namespace lm {

// Shortest round-trip decimal in fixed notation ("1", "0.25", "1000000"), with "NaN",
// "+Inf" and "-Inf" for the special values. This is the Prometheus API's sample format.
std::string FormatFloatFixed(double v);

// Shortest round-trip decimal in the "%g" style used for label values such as le="0.1":
// scientific when the exponent is < -4 or >= 21, fixed otherwise, with "+Inf"/"-Inf"/"NaN".
std::string FormatFloatShort(double v);

}  // namespace lm
