#include "service/playbookcatalog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace Baton {

PlaybookCatalog::PlaybookCatalog(QString dir)
    : m_dir(QFileInfo(dir).canonicalFilePath().isEmpty() ? dir : QFileInfo(dir).canonicalFilePath())
{ }

bool PlaybookCatalog::isValidName(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\.ya?ml$"));
    return re.match(name).hasMatch() && !name.contains(QStringLiteral(".."));
}

std::optional<PlaybookInfo> PlaybookCatalog::inspect(const QString &fileName) const
{
    if (!isValidName(fileName))
        return std::nullopt;
    const QFileInfo info(m_dir + u'/' + fileName);
    const QString canonical = info.canonicalFilePath();
    if (canonical.isEmpty() || !info.isFile() || !info.isReadable())
        return std::nullopt;
    // A symlink may point elsewhere inside the folder, never out of it.
    if (QFileInfo(canonical).absolutePath() != m_dir)
        return std::nullopt;
    PlaybookInfo p { fileName, QString(), canonical };
    QFile f(canonical);
    if (f.open(QIODevice::ReadOnly)) {
        QStringList lines;
        while (!f.atEnd() && lines.size() < 20) {
            const QString line = QString::fromUtf8(f.readLine(1024)).trimmed();
            if (line == u"---" || (line.isEmpty() && lines.isEmpty()))
                continue;
            if (!line.startsWith(u'#'))
                break;
            const QString text = line.mid(1).trimmed();
            if (!text.isEmpty())
                lines.append(text);
        }
        p.description = lines.join(u' ').left(500);
    }
    return p;
}

QList<PlaybookInfo> PlaybookCatalog::list() const
{
    QList<PlaybookInfo> out;
    const QDir dir(m_dir);
    const QStringList names = dir.entryList(
        { QStringLiteral("*.yml"), QStringLiteral("*.yaml") }, QDir::Files | QDir::Readable, QDir::Name);
    for (const QString &n : names) {
        if (auto p = inspect(n))
            out.append(*p);
    }
    return out;
}

Result<PlaybookInfo> PlaybookCatalog::find(const QString &name) const
{
    if (!isValidName(name))
        return fail(Error::Kind::InvalidInput,
            QStringLiteral("\"%1\" is not a playbook name: use a file name from GET /v1/playbooks")
                .arg(name.left(100)));
    if (auto p = inspect(name))
        return *p;
    return fail(Error::Kind::InvalidInput,
        QStringLiteral("unknown playbook \"%1\" (see GET /v1/playbooks)").arg(name.left(100)));
}

} // namespace Baton
