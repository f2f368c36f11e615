#pragma once

#include <QHash>
#include <QList>
#include <QString>

namespace Baton {

// Interns the few distinct strings that repeat across many rows (playbooks, services, operators), so a row stores
// a 32-bit index instead of a QString: a million-job history stays compact and comparing two rows' playbooks is
// an integer compare. Index 0 is the empty string.
class StringPool
{
public:
    StringPool();

    quint32 intern(const QString &text);
    const QString &at(quint32 index) const { return m_strings.at(qsizetype(index)); }
    // The index of `text` if it was interned, else -1 (no insertion).
    qint64 find(const QString &text) const;
    qsizetype size() const { return m_strings.size(); }
    void clear();

private:
    QList<QString> m_strings;
    QHash<QString, quint32> m_index;
};

} // namespace Baton
