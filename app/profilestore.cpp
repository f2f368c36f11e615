#include "app/profilestore.h"

#include <QSettings>

namespace Baton {

ProfileStore::ProfileStore(QSettings &settings)
    : m_settings(settings)
{ }

QList<ConnectionProfile> ProfileStore::load() const
{
    QList<ConnectionProfile> out;
    const int n = m_settings.beginReadArray(QStringLiteral("profiles"));
    for (int i = 0; i < n; ++i) {
        m_settings.setArrayIndex(i);
        ConnectionProfile p;
        p.name = m_settings.value(QStringLiteral("name")).toString();
        p.jobServiceUrl = QUrl(m_settings.value(QStringLiteral("jobServiceUrl")).toString());
        p.consulUrl = QUrl(m_settings.value(QStringLiteral("consulUrl")).toString());
        p.datacenter = m_settings.value(QStringLiteral("datacenter")).toString();
        p.caFile = m_settings.value(QStringLiteral("caFile")).toString();
        p.keyPrefix = m_settings.value(QStringLiteral("keyPrefix"), QStringLiteral("baton/")).toString();
        p.readOnly = m_settings.value(QStringLiteral("readOnly"), false).toBool();
        p.production = m_settings.value(QStringLiteral("production"), false).toBool();
        if (!p.name.isEmpty())
            out.append(p);
    }
    m_settings.endArray();
    return out;
}

void ProfileStore::save(const QList<ConnectionProfile> &profiles)
{
    m_settings.remove(QStringLiteral("profiles"));
    m_settings.beginWriteArray(QStringLiteral("profiles"), int(profiles.size()));
    for (int i = 0; i < profiles.size(); ++i) {
        const ConnectionProfile &p = profiles[i];
        m_settings.setArrayIndex(i);
        m_settings.setValue(QStringLiteral("name"), p.name);
        m_settings.setValue(QStringLiteral("jobServiceUrl"), p.jobServiceUrl.toString());
        m_settings.setValue(QStringLiteral("consulUrl"), p.consulUrl.toString());
        m_settings.setValue(QStringLiteral("datacenter"), p.datacenter);
        m_settings.setValue(QStringLiteral("caFile"), p.caFile);
        m_settings.setValue(QStringLiteral("keyPrefix"), p.keyPrefix);
        m_settings.setValue(QStringLiteral("readOnly"), p.readOnly);
        m_settings.setValue(QStringLiteral("production"), p.production);
    }
    m_settings.endArray();
}

QString ProfileStore::current() const
{
    return m_settings.value(QStringLiteral("currentProfile")).toString();
}

void ProfileStore::setCurrent(const QString &name)
{
    m_settings.setValue(QStringLiteral("currentProfile"), name);
}

std::optional<ConnectionProfile> ProfileStore::pick(const QString &name) const
{
    const QList<ConnectionProfile> all = load();
    for (const QString &wanted : { name, current() }) {
        if (wanted.isEmpty())
            continue;
        for (const ConnectionProfile &p : all) {
            if (p.name == wanted)
                return p;
        }
    }
    if (!all.isEmpty())
        return all.first();
    return std::nullopt;
}

} // namespace Baton
