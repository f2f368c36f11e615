#include "models/nodelogbuffer.h"

namespace Baton {

NodeLogBuffer::NodeLogBuffer(QObject *parent)
    : QObject(parent)
{ }

void NodeLogBuffer::follow(qint64 jobId, const QString &node)
{
    m_jobId = jobId;
    m_node = node;
    m_bytes.clear();
    m_start = 0;
    m_complete = false;
    Q_EMIT reset();
}

void NodeLogBuffer::clear()
{
    follow(0, {});
}

bool NodeLogBuffer::place(qint64 offset, const QByteArray &bytes)
{
    if (offset < 0)
        return false;
    const qint64 have = end();
    if (offset > have) {
        Q_EMIT gapDetected(have);
        return false;
    }
    const qint64 overlap = have - offset;
    if (overlap >= bytes.size())
        return true; // nothing new
    const QByteArray fresh = bytes.mid(overlap);
    m_bytes.append(fresh);
    if (m_bytes.size() > m_maxBytes) {
        trim();
        Q_EMIT reset();
    } else {
        Q_EMIT appended(QString::fromUtf8(fresh));
    }
    return true;
}

void NodeLogBuffer::trim()
{
    // Drop whole lines from the head, down to three quarters of the limit, so trimming is rare.
    qint64 cut = m_bytes.size() - (m_maxBytes * 3) / 4;
    const qsizetype nl = m_bytes.indexOf('\n', cut);
    if (nl >= 0 && nl - cut < 4096)
        cut = nl + 1;
    m_bytes.remove(0, cut);
    m_start += cut;
}

QString NodeLogBuffer::text() const
{
    QString out;
    if (m_start > 0)
        out = QStringLiteral("[… %1 KiB earlier output not shown …]\n").arg(m_start / 1024);
    out += QString::fromUtf8(m_bytes);
    return out;
}

} // namespace Baton
