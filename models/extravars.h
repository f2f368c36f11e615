#pragma once

#include "core/base/result.h"

#include <nlohmann/json.hpp>

#include <QString>

namespace Baton::ExtraVars {

// Parses the launch dialog's extra vars: either one JSON object, or key=value lines ("#" starts a comment line,
// blank lines are skipped). In key=value form a value that is valid JSON (a number, true/false, null, a quoted
// string, an array, an object) is taken as that JSON; anything else is a string. Keys must be Ansible variable
// names. Errors name the line.
Result<nlohmann::json> parse(const QString &text);

// True when `name` is a valid Ansible variable name (letters, digits and _; not starting with a digit).
bool isValidName(QStringView name);

// The object back as key=value lines (for showing a relaunch's vars), JSON values compact.
QString toKeyValueText(const nlohmann::json &object);

} // namespace Baton::ExtraVars
