#pragma once

#include "core/base/result.h"

#include <optional>

#include <QByteArray>
#include <QList>

namespace Baton {

// One dispatched Server-Sent Event.
struct SseEvent
{
    QByteArray type; // the `event:` field; empty means "message"
    QByteArray data; // `data:` lines joined with \n, without the final \n
    QByteArray lastEventId; // the last-event-ID buffer at dispatch (WHATWG: it persists across events)

    bool operator==(const SseEvent &) const = default;
};

struct SseLimits
{
    qsizetype maxEventBytes = 1024 * 1024; // 1 MiB
    qsizetype maxBufferBytes = 4 * 1024 * 1024; // 4 MiB
};

// A WHATWG "text/event-stream" parser that never holds more than its limits. Bytes arrive in arbitrary chunks
// (a CR in one chunk and its LF in the next, a UTF-8 BOM at the start, lines split anywhere); complete events come
// out. Limits: one event's fields (data, type, id) at most maxEventBytes; one line (terminated or not, so the
// unterminated buffer too) at most maxBufferBytes. Breaking a limit is an error of kind TooLarge and leaves the framer
// failed until reset(): the caller drops the connection and reconnects from the last good event id.
class SseFramer
{
public:
    using Limits = SseLimits;

    explicit SseFramer(Limits limits = {});

    // Parses `chunk`, appending every event it completes to `out`. Returns the number appended, or the error that
    // stopped parsing (events completed before the error are still appended).
    Result<qsizetype> feed(QByteArrayView chunk, QList<SseEvent> &out);

    // The start of a new connection: partial lines and fields are dropped; the last event id is kept (it is what
    // the client resumes from) unless clearLastEventId is set.
    void reset(bool clearLastEventId = false);

    bool failed() const { return m_failed; }
    const QByteArray &lastEventId() const { return m_lastEventId; }
    // The reconnection time from the latest valid `retry:` field, taken once.
    std::optional<int> takeRetryMs();
    // Bytes held for an unterminated line plus fields of the event being built: what the limits bound.
    qsizetype bufferedBytes() const { return m_line.size() + m_data.size() + m_type.size(); }
    const Limits &limits() const { return m_limits; }

private:
    Result<bool> processLine(QByteArrayView line, QList<SseEvent> &out);
    Error overflow(const char *what, qsizetype limit);

    Limits m_limits;
    QByteArray m_line; // an unterminated line carried over from the previous chunk
    QByteArray m_data;
    QByteArray m_type;
    QByteArray m_lastEventId;
    std::optional<int> m_retryMs;
    bool m_skipLf = false; // the previous chunk ended with CR: a leading LF belongs to it
    bool m_atStreamStart = true; // a BOM may only appear here
    int m_bomMatched = 0;
    bool m_failed = false;
};

} // namespace Baton
