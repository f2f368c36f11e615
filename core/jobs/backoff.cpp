#include "core/jobs/backoff.h"

#include <algorithm>

namespace Baton {

Backoff::Backoff(int baseMs, int maxMs, quint32 seed)
    : m_baseMs(std::max(1, baseMs))
    , m_maxMs(std::max(m_baseMs, maxMs))
    , m_rng(seed)
{ }

void Backoff::setBase(int baseMs)
{
    m_baseMs = std::clamp(baseMs, 50, m_maxMs);
}

int Backoff::nominal() const
{
    // 2^attempt grows past any cap by attempt 31; stop shifting well before overflow.
    const int shift = std::min(m_attempt, 20);
    const qint64 step = qint64(m_baseMs) << shift;
    return int(std::min<qint64>(step, m_maxMs));
}

int Backoff::next()
{
    const int step = nominal();
    ++m_attempt;
    std::uniform_int_distribution<int> half(step / 2, step);
    return std::max(1, half(m_rng));
}

} // namespace Baton
