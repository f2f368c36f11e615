#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

namespace Baton {

// The output of one node run, loaded lazily (a REST chunk from an offset) and followed live (node.log events).
// Pieces are placed by their byte offset, so a REST answer and events that overlap it never duplicate text, and a
// hole (events missed while the stream reconnected) is noticed and asked for instead of shown as if complete.
// Memory is bounded: beyond maxBytes the oldest part is dropped and said so.
class NodeLogBuffer : public QObject
{
    Q_OBJECT

public:
    explicit NodeLogBuffer(QObject *parent = nullptr);

    // Starts following another run; everything held is dropped.
    void follow(qint64 jobId, const QString &node);
    void clear();
    qint64 jobId() const { return m_jobId; }
    const QString &node() const { return m_node; }

    // Places bytes that start at `offset` in the run's log. Returns false (and asks for the missing range via
    // gapDetected) if they start beyond what is held.
    bool place(qint64 offset, const QByteArray &bytes);
    void setComplete(bool complete) { m_complete = complete; }
    bool isComplete() const { return m_complete; }

    // The next byte the buffer expects: where a REST request continues.
    qint64 end() const { return m_start + m_bytes.size(); }
    qint64 droppedBytes() const { return m_start; }
    const QByteArray &bytes() const { return m_bytes; }
    // The held text for display, with a first line saying how much was dropped, if anything.
    QString text() const;

    void setMaxBytes(qint64 bytes) { m_maxBytes = std::max<qint64>(4096, bytes); }

Q_SIGNALS:
    // Text was appended at the end (what a following view appends).
    void appended(const QString &text);
    // The head was dropped or everything was replaced: a view reloads text().
    void reset();
    // Bytes from `from` on are missing: fetch them (REST) and place() them.
    void gapDetected(qint64 from);

private:
    void trim();

    qint64 m_jobId = 0;
    QString m_node;
    QByteArray m_bytes;
    qint64 m_start = 0; // offset of m_bytes[0] in the run's log
    qint64 m_maxBytes = 8 * 1024 * 1024;
    bool m_complete = false;
};

} // namespace Baton
