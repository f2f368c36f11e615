#include "models/extravars.h"

#include "core/base/boundedjson.h"

#include <QStringList>

namespace Baton::ExtraVars {

namespace {
constexpr qsizetype kMaxTextBytes = 256 * 1024;
}

bool isValidName(QStringView name)
{
    if (name.isEmpty() || name.size() > 200)
        return false;
    if (name.front().isDigit())
        return false;
    for (QChar c : name) {
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != u'_')
            return false;
    }
    return true;
}

Result<nlohmann::json> parse(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return nlohmann::json::object();
    const QByteArray utf8 = trimmed.toUtf8();
    if (utf8.size() > kMaxTextBytes)
        return fail(Error::Kind::TooLarge, QStringLiteral("extra vars are larger than 256 KiB"));
    if (trimmed.startsWith(u'{')) {
        auto j = parseJsonBounded(utf8, JsonLimits::requestDefault());
        if (!j)
            return fail(
                Error::Kind::InvalidInput, QStringLiteral("extra vars: not valid JSON: %1").arg(j.error().message));
        if (!j->is_object())
            return fail(Error::Kind::InvalidInput, QStringLiteral("extra vars: JSON must be an object"));
        for (auto it = j->begin(); it != j->end(); ++it) {
            if (!isValidName(QString::fromStdString(it.key())))
                return fail(Error::Kind::InvalidInput,
                    QStringLiteral("extra vars: \"%1\" is not a valid variable name")
                        .arg(QString::fromStdString(it.key()).left(60)));
        }
        return *j;
    }
    nlohmann::json out = nlohmann::json::object();
    const QStringList lines = trimmed.split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines[i].trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const qsizetype eq = line.indexOf(u'=');
        if (eq <= 0)
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("extra vars, line %1: expected key=value or a JSON object").arg(i + 1));
        const QString key = line.left(eq).trimmed();
        const QString value = line.mid(eq + 1).trimmed();
        if (!isValidName(key))
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("extra vars, line %1: \"%2\" is not a valid variable name")
                    .arg(i + 1)
                    .arg(key.left(60)));
        if (out.contains(key.toStdString()))
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("extra vars, line %1: \"%2\" is set twice").arg(i + 1).arg(key));
        auto asJson = parseJsonBounded(value.toUtf8(), JsonLimits::requestDefault());
        if (!value.isEmpty() && asJson)
            out[key.toStdString()] = *asJson;
        else
            out[key.toStdString()] = value.toStdString();
    }
    return out;
}

QString toKeyValueText(const nlohmann::json &object)
{
    if (!object.is_object())
        return {};
    QStringList lines;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const std::string v = it->is_string() ? it->get<std::string>()
                                              : it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        lines << QStringLiteral("%1=%2").arg(QString::fromStdString(it.key()), QString::fromStdString(v));
    }
    return lines.join(u'\n');
}

} // namespace Baton::ExtraVars
