#include "models/stringpool.h"

namespace Baton {

StringPool::StringPool()
{
    clear();
}

void StringPool::clear()
{
    m_strings = { QString() };
    m_index.clear();
    m_index.insert(QString(), 0);
}

quint32 StringPool::intern(const QString &text)
{
    const auto it = m_index.constFind(text);
    if (it != m_index.constEnd())
        return *it;
    const auto index = quint32(m_strings.size());
    m_strings.append(text);
    m_index.insert(text, index);
    return index;
}

qint64 StringPool::find(const QString &text) const
{
    const auto it = m_index.constFind(text);
    return it == m_index.constEnd() ? -1 : qint64(*it);
}

} // namespace Baton
