#include "models/connectionprofile.h"

namespace Baton {

namespace {
QString checkUrl(const QUrl &url, const QString &what)
{
    if (url.isEmpty())
        return {};
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") || url.host().isEmpty())
        return QStringLiteral("%1 \"%2\" is not an http(s) URL with a host.").arg(what, url.toString());
    return {};
}
} // namespace

QStringList ConnectionProfile::problems() const
{
    QStringList out;
    if (name.trimmed().isEmpty())
        out << QStringLiteral("A profile needs a name.");
    if (name.contains(u'/') || name.contains(u'\\'))
        out << QStringLiteral("A profile name cannot contain slashes.");
    if (jobServiceUrl.isEmpty() && consulUrl.isEmpty())
        out << QStringLiteral("Give a job service URL, a Consul URL, or both.");
    for (const QString &p : { checkUrl(jobServiceUrl, QStringLiteral("Job service URL")),
             checkUrl(consulUrl, QStringLiteral("Consul URL")) }) {
        if (!p.isEmpty())
            out << p;
    }
    return out;
}

QString ConnectionProfile::label() const
{
    QStringList marks;
    if (readOnly)
        marks << QStringLiteral("read-only");
    if (production)
        marks << QStringLiteral("production");
    return marks.isEmpty() ? name : QStringLiteral("%1 (%2)").arg(name, marks.join(QStringLiteral(", ")));
}

} // namespace Baton
