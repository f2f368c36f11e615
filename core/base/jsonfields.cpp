#include "core/base/jsonfields.h"

namespace Baton::JsonFields {

namespace {

Error wrongType(const char *key, const char *expected, const nlohmann::json &got)
{
    return Error::make(Error::Kind::Decode,
        QStringLiteral("field \"%1\" must be %2, got %3")
            .arg(QString::fromUtf8(key), QString::fromUtf8(expected), typeName(got)));
}

Error missing(const char *key)
{
    return Error::make(Error::Kind::Decode, QStringLiteral("missing field \"%1\"").arg(QString::fromUtf8(key)));
}

const nlohmann::json *find(const nlohmann::json &object, const char *key)
{
    if (!object.is_object())
        return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

} // namespace

QString toQString(const std::string &s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

std::string toStd(const QString &s)
{
    const QByteArray utf8 = s.toUtf8();
    return std::string(utf8.constData(), std::size_t(utf8.size()));
}

QString typeName(const nlohmann::json &value)
{
    return QString::fromUtf8(value.type_name());
}

Result<const nlohmann::json *> requireObject(const nlohmann::json &parent, const char *key)
{
    const nlohmann::json *v = find(parent, key);
    if (!v)
        return fail(missing(key));
    if (!v->is_object())
        return fail(wrongType(key, "an object", *v));
    return v;
}

Result<QString> requireString(const nlohmann::json &object, const char *key)
{
    const nlohmann::json *v = find(object, key);
    if (!v)
        return fail(missing(key));
    if (!v->is_string())
        return fail(wrongType(key, "a string", *v));
    return toQString(v->get_ref<const std::string &>());
}

Result<std::int64_t> requireInt(const nlohmann::json &object, const char *key)
{
    const nlohmann::json *v = find(object, key);
    if (!v)
        return fail(missing(key));
    if (v->is_number_unsigned()) {
        const auto u = v->get<std::uint64_t>();
        if (u > std::uint64_t(INT64_MAX))
            return fail(wrongType(key, "a signed 64-bit integer", *v));
        return std::int64_t(u);
    }
    if (!v->is_number_integer())
        return fail(wrongType(key, "an integer", *v));
    return v->get<std::int64_t>();
}

Result<std::uint64_t> requireUInt(const nlohmann::json &object, const char *key)
{
    const nlohmann::json *v = find(object, key);
    if (!v)
        return fail(missing(key));
    if (v->is_number_unsigned())
        return v->get<std::uint64_t>();
    if (v->is_number_integer() && v->get<std::int64_t>() >= 0)
        return std::uint64_t(v->get<std::int64_t>());
    return fail(wrongType(key, "an unsigned integer", *v));
}

Result<bool> requireBool(const nlohmann::json &object, const char *key)
{
    const nlohmann::json *v = find(object, key);
    if (!v)
        return fail(missing(key));
    if (!v->is_boolean())
        return fail(wrongType(key, "a boolean", *v));
    return v->get<bool>();
}

Result<std::optional<QString>> optionalString(const nlohmann::json &object, const char *key)
{
    const nlohmann::json *v = find(object, key);
    if (!v || v->is_null())
        return std::optional<QString>();
    if (!v->is_string())
        return fail(wrongType(key, "a string", *v));
    return std::optional<QString>(toQString(v->get_ref<const std::string &>()));
}

Result<std::optional<std::int64_t>> optionalInt(const nlohmann::json &object, const char *key)
{
    const nlohmann::json *v = find(object, key);
    if (!v || v->is_null())
        return std::optional<std::int64_t>();
    auto r = requireInt(object, key);
    if (!r)
        return fail(r.error());
    return std::optional<std::int64_t>(*r);
}

Result<std::optional<std::uint64_t>> optionalUInt(const nlohmann::json &object, const char *key)
{
    const nlohmann::json *v = find(object, key);
    if (!v || v->is_null())
        return std::optional<std::uint64_t>();
    auto r = requireUInt(object, key);
    if (!r)
        return fail(r.error());
    return std::optional<std::uint64_t>(*r);
}

Result<std::optional<bool>> optionalBool(const nlohmann::json &object, const char *key)
{
    const nlohmann::json *v = find(object, key);
    if (!v || v->is_null())
        return std::optional<bool>();
    if (!v->is_boolean())
        return fail(wrongType(key, "a boolean", *v));
    return std::optional<bool>(v->get<bool>());
}

Result<QStringList> optionalStringList(const nlohmann::json &object, const char *key)
{
    const nlohmann::json *v = find(object, key);
    QStringList out;
    if (!v || v->is_null())
        return out;
    if (!v->is_array())
        return fail(wrongType(key, "an array of strings", *v));
    out.reserve(qsizetype(v->size()));
    for (const auto &item : *v) {
        if (!item.is_string())
            return fail(wrongType(key, "an array of strings", item));
        out.append(toQString(item.get_ref<const std::string &>()));
    }
    return out;
}

} // namespace Baton::JsonFields
