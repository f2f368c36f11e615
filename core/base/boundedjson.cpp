#include "core/base/boundedjson.h"

namespace Baton {

int jsonNestingDepth(std::string_view bytes, int stopAt)
{
    int depth = 0;
    int deepest = 0;
    bool inString = false;
    bool escaped = false;
    for (const char c : bytes) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case '"':
            inString = true;
            break;
        case '[':
        case '{':
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > stopAt)
                    return deepest;
            }
            break;
        case ']':
        case '}':
            if (depth > 0)
                --depth;
            break;
        default:
            break;
        }
    }
    return deepest;
}

Result<nlohmann::json> parseJsonBounded(std::string_view bytes, const JsonLimits &limits)
{
    if (bytes.size() > limits.maxBytes) {
        return fail(Error::Kind::TooLarge,
            QStringLiteral("JSON document of %1 bytes exceeds the limit of %2 bytes")
                .arg(qulonglong(bytes.size()))
                .arg(qulonglong(limits.maxBytes)));
    }
    if (jsonNestingDepth(bytes, limits.maxDepth) > limits.maxDepth) {
        return fail(Error::Kind::Decode, QStringLiteral("JSON nesting deeper than %1 levels").arg(limits.maxDepth));
    }
    // nlohmann reports the failing byte position only through its exception, so convert it to a value here.
    try {
        return nlohmann::json::parse(bytes.begin(), bytes.end());
    } catch (const nlohmann::json::parse_error &e) {
        return fail(Error::Kind::Decode, QStringLiteral("malformed JSON: %1").arg(QString::fromUtf8(e.what())));
    } catch (const std::exception &e) {
        return fail(Error::Kind::Decode, QStringLiteral("invalid JSON: %1").arg(QString::fromUtf8(e.what())));
    }
}

Result<nlohmann::json> parseJsonBounded(const QByteArray &bytes, const JsonLimits &limits)
{
    return parseJsonBounded(std::string_view(bytes.constData(), std::size_t(bytes.size())), limits);
}

} // namespace Baton
