#pragma once

#include "core/base/result.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include <QString>
#include <QStringList>

namespace Baton::JsonFields {

// Typed access to fields of an untrusted JSON object. A missing required field, or a field of the wrong
// type, is a Decode error naming the field; optional accessors accept a missing field or null.

Result<const nlohmann::json *> requireObject(const nlohmann::json &parent, const char *key);
Result<QString> requireString(const nlohmann::json &object, const char *key);
Result<std::int64_t> requireInt(const nlohmann::json &object, const char *key);
Result<std::uint64_t> requireUInt(const nlohmann::json &object, const char *key);
Result<bool> requireBool(const nlohmann::json &object, const char *key);

Result<std::optional<QString>> optionalString(const nlohmann::json &object, const char *key);
Result<std::optional<std::int64_t>> optionalInt(const nlohmann::json &object, const char *key);
Result<std::optional<std::uint64_t>> optionalUInt(const nlohmann::json &object, const char *key);
Result<std::optional<bool>> optionalBool(const nlohmann::json &object, const char *key);
// An array of strings; missing or null gives an empty list.
Result<QStringList> optionalStringList(const nlohmann::json &object, const char *key);

QString toQString(const std::string &s);
std::string toStd(const QString &s);
QString typeName(const nlohmann::json &value);

} // namespace Baton::JsonFields
