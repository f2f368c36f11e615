#pragma once

#include "core/base/result.h"

#include <QList>
#include <QString>

namespace Baton {

struct PlaybookInfo
{
    QString name; // the file name, "deploy.yml"
    QString description; // the leading comment lines
    QString path; // absolute, canonical
};

// The playbooks the service may run: regular *.yml/*.yaml files directly inside --playbooks DIR. A launch
// names one by its file name; anything else (paths, "..", symlinks leaving the folder) is refused.
class PlaybookCatalog
{
public:
    explicit PlaybookCatalog(QString dir);

    QString dir() const { return m_dir; }
    QList<PlaybookInfo> list() const; // sorted by name; read from disk on every call
    Result<PlaybookInfo> find(const QString &name) const;

    static bool isValidName(const QString &name);

private:
    std::optional<PlaybookInfo> inspect(const QString &fileName) const;
    QString m_dir;
};

} // namespace Baton
