#include "core/jobs/sseframer.h"

#include <utility>

namespace Baton {

namespace {
constexpr char kBom[] = "\xEF\xBB\xBF";

bool allDigits(QByteArrayView v)
{
    if (v.isEmpty())
        return false;
    for (char c : v) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

// The first CR or LF in [begin, end), or end.
const char *findEol(const char *begin, const char *end)
{
    for (const char *p = begin; p < end; ++p) {
        if (*p == '\n' || *p == '\r')
            return p;
    }
    return end;
}
} // namespace

SseFramer::SseFramer(Limits limits)
    : m_limits(limits)
{ }

void SseFramer::reset(bool clearLastEventId)
{
    m_line.clear();
    m_data.clear();
    m_type.clear();
    m_retryMs.reset();
    m_skipLf = false;
    m_atStreamStart = true;
    m_bomMatched = 0;
    m_failed = false;
    if (clearLastEventId)
        m_lastEventId.clear();
}

std::optional<int> SseFramer::takeRetryMs()
{
    return std::exchange(m_retryMs, std::nullopt);
}

Error SseFramer::overflow(const char *what, qsizetype limit)
{
    m_failed = true;
    m_line.clear();
    m_data.clear();
    m_type.clear();
    return Error::make(Error::Kind::TooLarge,
        QStringLiteral("event stream: %1 exceeds %2 bytes").arg(QLatin1StringView(what)).arg(limit));
}

Result<qsizetype> SseFramer::feed(QByteArrayView chunk, QList<SseEvent> &out)
{
    if (m_failed)
        return fail(Error::Kind::InvalidInput, QStringLiteral("event stream: framer failed earlier; reset first"));
    const char *p = chunk.data();
    const char *end = p + chunk.size();
    const qsizetype before = out.size();

    // A UTF-8 BOM is allowed once, at the very start, and may itself arrive split across chunks.
    while (m_atStreamStart && p < end) {
        if (*p == kBom[m_bomMatched]) {
            ++p;
            if (++m_bomMatched == 3)
                m_atStreamStart = false;
            continue;
        }
        m_line.append(kBom, m_bomMatched); // not a BOM after all: those bytes were content
        m_atStreamStart = false;
    }

    while (p < end) {
        if (m_skipLf) {
            m_skipLf = false;
            if (*p == '\n') {
                ++p;
                continue;
            }
        }
        const char *eol = findEol(p, end);
        if (eol == end) {
            if (m_line.size() + (end - p) > m_limits.maxBufferBytes)
                return fail(overflow("a line", m_limits.maxBufferBytes));
            m_line.append(p, end - p);
            break;
        }
        Result<bool> ok = true;
        // The same bound for every line, buffered or not, so whether a line is accepted never depends on how the
        // network happened to cut the stream into reads.
        if (m_line.size() + (eol - p) > m_limits.maxBufferBytes)
            return fail(overflow("a line", m_limits.maxBufferBytes));
        if (m_line.isEmpty()) {
            ok = processLine(QByteArrayView(p, eol - p), out);
        } else {
            m_line.append(p, eol - p);
            ok = processLine(m_line, out);
            m_line.clear();
        }
        if (!ok)
            return fail(ok.error());
        if (*eol == '\r') {
            if (eol + 1 < end) {
                p = eol + (eol[1] == '\n' ? 2 : 1);
            } else {
                m_skipLf = true;
                p = end;
            }
        } else {
            p = eol + 1;
        }
    }
    return out.size() - before;
}

Result<bool> SseFramer::processLine(QByteArrayView line, QList<SseEvent> &out)
{
    if (line.isEmpty()) {
        // Dispatch. Without data there is no event, but an `id:` seen on the way still counts (it already
        // updated m_lastEventId).
        if (m_data.isEmpty()) {
            m_type.clear();
            return true;
        }
        m_data.chop(1); // the \n after the last data line
        out.append(SseEvent { std::exchange(m_type, {}), std::exchange(m_data, {}), m_lastEventId });
        return true;
    }
    if (line.front() == ':')
        return true; // a comment, e.g. a keep-alive
    QByteArrayView field = line;
    QByteArrayView value;
    if (const qsizetype colon = line.indexOf(':'); colon >= 0) {
        field = line.first(colon);
        value = line.sliced(colon + 1);
        if (!value.isEmpty() && value.front() == ' ')
            value = value.sliced(1);
    }
    if (field == "data") {
        if (m_data.size() + m_type.size() + value.size() + 1 > m_limits.maxEventBytes)
            return fail(overflow("one event", m_limits.maxEventBytes));
        m_data.append(value.data(), value.size());
        m_data.append('\n');
    } else if (field == "event") {
        if (m_data.size() + value.size() > m_limits.maxEventBytes)
            return fail(overflow("one event", m_limits.maxEventBytes));
        m_type = value.toByteArray();
    } else if (field == "id") {
        if (value.size() > m_limits.maxEventBytes)
            return fail(overflow("one event", m_limits.maxEventBytes));
        if (!value.contains('\0'))
            m_lastEventId = value.toByteArray();
    } else if (field == "retry") {
        if (allDigits(value) && value.size() <= 9)
            m_retryMs = value.toByteArray().toInt();
    }
    // Any other field is ignored, as the standard says.
    return true;
}

} // namespace Baton
