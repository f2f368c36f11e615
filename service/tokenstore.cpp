#include "service/tokenstore.h"

#include "core/base/boundedjson.h"
#include "core/base/jsonfields.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSet>

namespace Baton {

QString toWire(Role role)
{
    switch (role) {
    case Role::Viewer:
        return QStringLiteral("viewer");
    case Role::Operator:
        return QStringLiteral("operator");
    case Role::Admin:
        return QStringLiteral("admin");
    }
    return QStringLiteral("viewer");
}

std::optional<Role> roleFromWire(QStringView text)
{
    if (text == u"viewer")
        return Role::Viewer;
    if (text == u"operator")
        return Role::Operator;
    if (text == u"admin")
        return Role::Admin;
    return std::nullopt;
}

namespace {
QByteArray digestOf(QByteArrayView token)
{
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256);
}

bool constantTimeEqual(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}
} // namespace

Result<TokenStore> TokenStore::load(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(Error::Kind::Io, QStringLiteral("cannot read the tokens file %1: %2").arg(path, f.errorString()));
    if (f.size() > 4 * 1024 * 1024)
        return fail(Error::Kind::TooLarge, QStringLiteral("the tokens file %1 is larger than 4 MiB").arg(path));
    auto store = parse(f.read(4 * 1024 * 1024 + 1));
    if (!store)
        return fail(
            Error::make(store.error().kind, QStringLiteral("tokens file %1: %2").arg(path, store.error().message)));
    return store;
}

Result<TokenStore> TokenStore::parse(const QByteArray &bytes)
{
    BATON_TRY(doc, parseJsonBounded(bytes, JsonLimits { 4u * 1024u * 1024u, 8 }));
    if (!doc.is_object())
        return fail(Error::Kind::Decode, QStringLiteral("must be a JSON object with a \"tokens\" array"));
    const auto it = doc.find("tokens");
    if (it == doc.end() || !it->is_array())
        return fail(Error::Kind::Decode, QStringLiteral("must have a \"tokens\" array"));
    TokenStore store;
    QSet<QByteArray> digests;
    QSet<QString> names;
    int index = 0;
    for (const nlohmann::json &t : *it) {
        const QString where = QStringLiteral("tokens[%1]").arg(index++);
        if (!t.is_object())
            return fail(Error::Kind::Decode, QStringLiteral("%1 must be an object").arg(where));
        auto name = JsonFields::requireString(t, "name");
        auto token = JsonFields::requireString(t, "token");
        auto role = JsonFields::requireString(t, "role");
        if (!name || !token || !role)
            return fail(Error::Kind::Decode, QStringLiteral("%1 needs string fields name, token and role").arg(where));
        if (name->trimmed().isEmpty() || name->size() > 200)
            return fail(Error::Kind::Decode, QStringLiteral("%1.name must be 1 to 200 characters").arg(where));
        if (token->size() < 8 || token->size() > 4096)
            return fail(Error::Kind::Decode, QStringLiteral("%1.token must be 8 to 4096 characters").arg(where));
        for (QChar c : *token) {
            if (c.unicode() <= 0x20 || c.unicode() >= 0x7f)
                return fail(
                    Error::Kind::Decode, QStringLiteral("%1.token must be printable ASCII without spaces").arg(where));
        }
        const auto r = roleFromWire(*role);
        if (!r)
            return fail(
                Error::Kind::Decode, QStringLiteral("%1.role must be one of viewer, operator, admin").arg(where));
        const QByteArray digest = digestOf(token->toLatin1());
        if (digests.contains(digest))
            return fail(Error::Kind::Decode, QStringLiteral("%1 repeats a token given to another name").arg(where));
        if (names.contains(*name))
            return fail(Error::Kind::Decode, QStringLiteral("%1.name \"%2\" is used twice").arg(where, name->left(60)));
        digests.insert(digest);
        names.insert(*name);
        store.m_entries.append(Entry { digest, Principal { *name, *r, false } });
    }
    return store;
}

std::optional<Principal> TokenStore::lookup(QByteArrayView token) const
{
    if (token.isEmpty() || token.size() > 4096)
        return std::nullopt;
    const QByteArray digest = digestOf(token);
    std::optional<Principal> found;
    // Compare against every entry so the time taken does not tell which one matched.
    for (const Entry &e : m_entries) {
        if (constantTimeEqual(e.digest, digest))
            found = e.principal;
    }
    return found;
}

std::optional<Principal> TokenStore::fromAuthorization(QByteArrayView header) const
{
    const QByteArray h = header.trimmed().toByteArray();
    if (h.size() < 8 || h.left(7).toLower() != "bearer ")
        return std::nullopt;
    return lookup(h.mid(7).trimmed());
}

} // namespace Baton
