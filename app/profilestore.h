#pragma once

#include "models/connectionprofile.h"

#include <QList>
#include <QString>

class QSettings;

namespace Baton {

// Connection profiles in QSettings (group "profiles"), with the one last used. Never stores a token.
class ProfileStore
{
public:
    explicit ProfileStore(QSettings &settings);

    QList<ConnectionProfile> load() const;
    void save(const QList<ConnectionProfile> &profiles);
    QString current() const;
    void setCurrent(const QString &name);
    // The saved profile called `name`, else the last used one, else the first, else nothing.
    std::optional<ConnectionProfile> pick(const QString &name = {}) const;

private:
    QSettings &m_settings;
};

} // namespace Baton
