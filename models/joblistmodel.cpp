#include "models/joblistmodel.h"

#include "core/base/timestamps.h"
#include "models/formatting.h"
#include "models/modelslogging.h"

#include <algorithm>
#include <tuple>

namespace Baton {

namespace {

QString targetText(const JobSpec &spec)
{
    const JobTarget &t = spec.target;
    if (!t.nodes.isEmpty()) {
        QStringList shown = t.nodes.mid(0, 3);
        QString text = shown.join(QStringLiteral(", "));
        if (t.nodes.size() > 3)
            text += QStringLiteral(" +%1").arg(t.nodes.size() - 3);
        return t.service.isEmpty() ? text : QStringLiteral("%1: %2").arg(t.service, text);
    }
    if (!t.tag.isEmpty())
        return QStringLiteral("%1 · tag %2").arg(t.service, t.tag);
    return t.service;
}

} // namespace

JobListModel::JobListModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock(&Timestamps::nowMs)
{
    qRegisterMetaType<TickStats>();
    m_tick.setSingleShot(true);
    // A coarse timer is enough for a 100 ms tick and lets the OS batch wake-ups.
    m_tick.setTimerType(Qt::CoarseTimer);
    connect(&m_tick, &QTimer::timeout, this, &JobListModel::flush);
    m_clockTimer.setInterval(1000);
    m_clockTimer.setTimerType(Qt::CoarseTimer);
    connect(&m_clockTimer, &QTimer::timeout, this, &JobListModel::checkStuck);
}

JobListModel::~JobListModel() = default;

qint64 JobListModel::now() const
{
    return m_clock();
}

void JobListModel::setClock(std::function<qint64()> clock)
{
    m_clock = clock ? std::move(clock) : std::function<qint64()>(&Timestamps::nowMs);
}

void JobListModel::setTickInterval(int ms)
{
    m_tickMs = std::max(0, ms);
}

void JobListModel::setStuckAfterMs(qint64 ms)
{
    m_stuckAfterMs = std::max<qint64>(0, ms);
    checkStuck();
}

int JobListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_order.size());
}

int JobListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString JobListModel::formatDuration(const Row &r) const
{
    if (r.startedAtMs <= 0)
        return {};
    const qint64 end = r.finishedAtMs > 0 ? r.finishedAtMs : (isTerminal(r.state) ? r.startedAtMs : now());
    return Format::duration(std::max<qint64>(0, end - r.startedAtMs) / 1000);
}

QVariant JobListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() < 0 || std::size_t(index.row()) >= m_order.size())
        return {};
    const Row &r = m_rows[m_order[std::size_t(index.row())]];
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case IdColumn:
            return r.id;
        case StateColumn: {
            QString text = displayName(r.state);
            if (r.halted)
                text += QStringLiteral(" (halted)");
            if (r.stuck)
                text += QStringLiteral(" · stuck");
            return text;
        }
        case ProgressColumn:
            return r.counts.summary();
        case PlaybookColumn:
            return m_strings.at(r.playbook) + (r.checkMode ? QStringLiteral(" (check)") : QString());
        case TargetColumn:
            return m_strings.at(r.target);
        case OperatorColumn:
            return m_strings.at(r.operatorName);
        case CreatedColumn:
            return Format::time(r.createdAtMs, now());
        case DurationColumn:
            return formatDuration(r);
        case ColumnCount:
            break;
        }
        return {};
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("Job %1 · %2 · %3").arg(r.id).arg(displayName(r.state), r.counts.summary());
        if (r.halted)
            tip += QStringLiteral("\nHalted: ") + m_haltReasons.value(r.id);
        if (r.stuck)
            tip += QStringLiteral("\nNo progress for a long time, or past its timeout: consider a force cancel.");
        return tip;
    }
    case Qt::TextAlignmentRole:
        if (index.column() == IdColumn || index.column() == DurationColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case JobIdRole:
        return r.id;
    case JobStateRole:
        return QVariant::fromValue(r.state);
    case CountsRole:
        return QVariant::fromValue(r.counts);
    case FailureShareRole: {
        const int total = r.counts.total();
        return total > 0 ? double(r.counts.failures()) / total : 0.0;
    }
    case StuckRole:
        return r.stuck;
    case HaltedRole:
        return r.halted;
    case HaltReasonRole:
        return m_haltReasons.value(r.id);
    case CheckModeRole:
        return r.checkMode;
    case SortRole:
        switch (Column(index.column())) {
        case IdColumn:
            return r.id;
        case StateColumn:
            return int(r.state);
        case ProgressColumn:
            return r.counts.failures();
        case CreatedColumn:
            return r.createdAtMs;
        case DurationColumn:
            return r.startedAtMs > 0 ? (r.finishedAtMs > 0 ? r.finishedAtMs : now()) - r.startedAtMs : -1;
        default:
            return data(index, Qt::DisplayRole);
        }
    default:
        return {};
    }
}

QVariant JobListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case IdColumn:
        return QStringLiteral("Job");
    case StateColumn:
        return QStringLiteral("State");
    case ProgressColumn:
        return QStringLiteral("Nodes");
    case PlaybookColumn:
        return QStringLiteral("Playbook");
    case TargetColumn:
        return QStringLiteral("Target");
    case OperatorColumn:
        return QStringLiteral("Operator");
    case CreatedColumn:
        return QStringLiteral("Created");
    case DurationColumn:
        return QStringLiteral("Duration");
    case ColumnCount:
        break;
    }
    return {};
}

bool JobListModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_hasMore;
}

void JobListModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || !m_hasMore)
        return;
    // One request at a time: the flag comes back with the page.
    m_hasMore = false;
    Q_EMIT moreRequested();
}

// ---- storage ----

void JobListModel::fillRow(Row &r, const Job &job)
{
    r.id = job.id;
    r.playbook = m_strings.intern(job.spec.playbook);
    r.service = m_strings.intern(job.spec.target.service);
    r.target = m_strings.intern(targetText(job.spec));
    r.operatorName = m_strings.intern(job.operatorName);
    r.state = job.state;
    r.checkMode = job.spec.checkMode;
    r.cancelRequested = job.cancel.has_value() || job.state == JobState::Cancelling;
    r.timeoutS = job.spec.timeoutS;
    r.createdAtMs = job.createdAtMs;
    r.startedAtMs = job.startedAtMs;
    r.finishedAtMs = job.finishedAtMs;
    r.counts = job.nodes.isEmpty() ? job.counts : job.countNodes();
    r.halted = !job.haltReason.isEmpty() && !isTerminal(job.state);
    if (!job.haltReason.isEmpty())
        m_haltReasons.insert(job.id, job.haltReason);
    else
        m_haltReasons.remove(job.id);
    qint64 activity = std::max({ r.lastActivityMs, job.createdAtMs, job.startedAtMs });
    for (const NodeRun &n : job.nodes)
        activity = std::max(activity, n.lastEventAtMs);
    r.lastActivityMs = activity;
    if (isTerminal(r.state))
        r.stuck = false;
}

void JobListModel::learnNodes(const Job &job)
{
    if (isTerminal(job.state)) {
        m_live.remove(job.id);
        return;
    }
    if (job.nodes.isEmpty())
        return;
    LiveNodes &live = m_live[job.id];
    live.states.clear();
    live.service = job.spec.target.service;
    for (const NodeRun &n : job.nodes) {
        live.states.insert(n.node, n.state);
        if (n.state == NodeRunState::WaitingForSlot) {
            qint64 since = n.lastEventAtMs;
            for (auto it = n.transitions.crbegin(); it != n.transitions.crend(); ++it) {
                if (it->state == NodeRunState::WaitingForSlot) {
                    since = it->atMs;
                    break;
                }
            }
            live.waitingSince.insert(n.node, since);
        } else {
            live.waitingSince.remove(n.node);
        }
    }
}

quint32 JobListModel::storeJob(const Job &job)
{
    const auto index = quint32(m_rows.size());
    m_rows.emplace_back();
    fillRow(m_rows.back(), job);
    m_rows.back().pending = true;
    m_byId.insert(job.id, index);
    // Only jobs that can still change need the state the views were last told (a million finished jobs would
    // otherwise cost a hash entry each for nothing).
    if (!isTerminal(job.state) && !m_signalledState.contains(job.id))
        m_signalledState.insert(job.id, job.state);
    learnNodes(job);
    m_pendingInserts.push_back(index);
    noteActivity(index);
    return index;
}

void JobListModel::touch(quint32 index)
{
    Row &r = m_rows[index];
    if (r.pending || r.dirty)
        return;
    r.dirty = true;
    m_dirty.push_back(index);
}

void JobListModel::scheduleTick()
{
    if (m_pendingInserts.empty() && m_dirty.empty())
        return;
    if (m_tickMs == 0) {
        flush();
        return;
    }
    if (!m_tick.isActive())
        m_tick.start(m_tickMs);
}

bool JobListModel::passes(const Row &r) const
{
    if (m_filter.isEmpty())
        return true;
    return m_filter.matches(r.id, r.state, m_strings.at(r.playbook), m_strings.at(r.service), m_strings.at(r.target),
        m_strings.at(r.operatorName));
}

bool JobListModel::lessThan(quint32 a, quint32 b) const
{
    const Row &x = m_rows[a];
    const Row &y = m_rows[b];
    const bool desc = m_sortOrder == Qt::DescendingOrder;
    auto cmp = [&](auto u, auto v) -> int { return u < v ? -1 : (v < u ? 1 : 0); };
    int c = 0;
    switch (Column(m_sortColumn)) {
    case IdColumn:
        c = cmp(x.id, y.id);
        break;
    case StateColumn:
        c = cmp(int(x.state), int(y.state));
        break;
    case ProgressColumn:
        c = cmp(x.counts.failures(), y.counts.failures());
        if (c == 0)
            c = cmp(x.counts.total(), y.counts.total());
        break;
    case PlaybookColumn:
        c = m_strings.at(x.playbook).compare(m_strings.at(y.playbook), Qt::CaseInsensitive);
        break;
    case TargetColumn:
        c = m_strings.at(x.target).compare(m_strings.at(y.target), Qt::CaseInsensitive);
        break;
    case OperatorColumn:
        c = m_strings.at(x.operatorName).compare(m_strings.at(y.operatorName), Qt::CaseInsensitive);
        break;
    case CreatedColumn:
        c = cmp(x.createdAtMs, y.createdAtMs);
        break;
    case DurationColumn: {
        auto dur = [this](const Row &r) {
            return r.startedAtMs > 0 ? (r.finishedAtMs > 0 ? r.finishedAtMs : now()) - r.startedAtMs : -1;
        };
        c = cmp(dur(x), dur(y));
        break;
    }
    case ColumnCount:
        break;
    }
    if (c == 0)
        return x.id > y.id; // ties: newest first, whatever the direction
    return desc ? c > 0 : c < 0;
}

qsizetype JobListModel::displayPosition(quint32 index) const
{
    const auto it = std::lower_bound(m_order.begin(), m_order.end(), index,
        [this](quint32 shown, quint32 candidate) { return lessThan(shown, candidate); });
    return it - m_order.begin();
}

qsizetype JobListModel::displayRowOf(quint32 index) const
{
    const Row &r = m_rows[index];
    if (!r.shown)
        return -1;
    if (m_sortColumn == IdColumn) {
        // m_order is sorted by id (that sort never goes stale): binary search, no reverse index needed.
        const bool desc = m_sortOrder == Qt::DescendingOrder;
        const auto it = std::lower_bound(m_order.begin(), m_order.end(), r.id,
            [this, desc](quint32 shown, qint64 id) { return desc ? m_rows[shown].id > id : m_rows[shown].id < id; });
        if (it != m_order.end() && *it == index)
            return it - m_order.begin();
        return -1;
    }
    if (!m_rowOfValid) {
        m_rowOf.assign(m_rows.size(), -1);
        for (std::size_t pos = 0; pos < m_order.size(); ++pos)
            m_rowOf[m_order[pos]] = qint64(pos);
        m_rowOfValid = true;
    }
    return index < m_rowOf.size() ? m_rowOf[index] : -1;
}

void JobListModel::rebuildOrder()
{
    m_order.clear();
    m_order.reserve(m_rows.size());
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        Row &r = m_rows[i];
        r.pending = false;
        r.dirty = false;
        r.shown = passes(r);
        if (r.shown)
            m_order.push_back(quint32(i));
    }
    m_pendingInserts.clear();
    m_dirty.clear();
    // Rows arrive mostly in id order; sort only what is out of place.
    if (!std::is_sorted(m_order.begin(), m_order.end(), [this](quint32 a, quint32 b) { return lessThan(a, b); }))
        std::stable_sort(m_order.begin(), m_order.end(), [this](quint32 a, quint32 b) { return lessThan(a, b); });
    m_rowOfValid = false;
}

// ---- history ----

void JobListModel::clear()
{
    beginResetModel();
    m_tick.stop();
    m_rows.clear();
    m_order.clear();
    m_byId.clear();
    m_live.clear();
    m_active.clear();
    m_haltReasons.clear();
    m_signalledState.clear();
    m_pendingInserts.clear();
    m_dirty.clear();
    m_strings.clear();
    m_rowOfValid = false;
    m_hasMore = false;
    endResetModel();
}

void JobListModel::replaceHistory(const QList<Job> &newestFirst, bool hasMore)
{
    beginResetModel();
    m_tick.stop();
    m_rows.clear();
    m_byId.clear();
    m_live.clear();
    m_active.clear();
    m_haltReasons.clear();
    m_signalledState.clear();
    m_pendingInserts.clear();
    m_dirty.clear();
    m_strings.clear();
    m_rows.reserve(std::size_t(newestFirst.size()));
    m_byId.reserve(newestFirst.size());
    for (const Job &job : newestFirst) {
        if (m_byId.contains(job.id))
            continue;
        storeJob(job);
    }
    rebuildOrder();
    m_hasMore = hasMore;
    endResetModel();
    checkStuck();
}

void JobListModel::appendHistory(const QList<Job> &olderPage, bool hasMore)
{
    for (const Job &job : olderPage)
        upsertJob(job);
    flush();
    m_hasMore = hasMore;
}

// ---- live ----

void JobListModel::upsertJob(const Job &job)
{
    const auto it = m_byId.constFind(job.id);
    if (it == m_byId.constEnd()) {
        storeJob(job);
    } else {
        Row &r = m_rows[*it];
        fillRow(r, job);
        learnNodes(job);
        noteActivity(*it);
        touch(*it);
    }
    scheduleTick();
}

void JobListModel::applyEvents(const QList<JobEvent> &events)
{
    for (const JobEvent &e : events)
        applyOne(e);
    scheduleTick();
}

void JobListModel::applyOne(const JobEvent &e)
{
    if (e.type == JobEvent::Type::Heartbeat || e.type == JobEvent::Type::Resync)
        return;
    if (e.type == JobEvent::Type::JobCreated) {
        if (e.job)
            upsertJob(*e.job);
        return;
    }
    const auto it = m_byId.constFind(e.jobId);
    if (it == m_byId.constEnd()) {
        Q_EMIT snapshotNeeded(e.jobId);
        return;
    }
    const quint32 index = *it;
    Row &r = m_rows[index];
    const qint64 at = e.atMs > 0 ? e.atMs : now();
    const bool wasStuck = r.stuck;
    r.lastActivityMs = std::max(r.lastActivityMs, at);
    if (wasStuck && !isTerminal(r.state))
        r.stuck = false;

    switch (e.type) {
    case JobEvent::Type::JobState: {
        r.state = e.jobState;
        if (e.counts.total() > 0)
            r.counts = e.counts;
        if (e.jobState == JobState::Cancelling)
            r.cancelRequested = true;
        if (!e.haltReason.isEmpty())
            m_haltReasons.insert(r.id, e.haltReason);
        r.halted = !e.haltReason.isEmpty() && !isTerminal(r.state);
        if (r.state == JobState::Running && r.startedAtMs == 0)
            r.startedAtMs = at;
        if (isTerminal(r.state)) {
            if (r.finishedAtMs == 0)
                r.finishedAtMs = at;
            r.stuck = false;
            m_live.remove(r.id);
        }
        noteActivity(index);
        touch(index);
        break;
    }
    case JobEvent::Type::NodeState: {
        auto live = m_live.find(r.id);
        if (live == m_live.end() || !live->states.contains(e.node)) {
            if (!isTerminal(r.state))
                Q_EMIT snapshotNeeded(r.id);
            if (wasStuck != r.stuck)
                touch(index);
            break;
        }
        const NodeRunState old = live->states.value(e.node);
        if (old != e.nodeState) {
            if (r.counts[old] > 0)
                r.counts[old] -= 1;
            r.counts[e.nodeState] += 1;
            live->states.insert(e.node, e.nodeState);
        }
        if (e.nodeState == NodeRunState::WaitingForSlot)
            live->waitingSince.insert(e.node, at);
        else
            live->waitingSince.remove(e.node);
        if (r.startedAtMs == 0 && e.nodeState != NodeRunState::Queued)
            r.startedAtMs = at;
        const JobState graded = gradeJob(r.counts, r.cancelRequested);
        r.state = graded;
        if (isTerminal(graded)) {
            if (r.finishedAtMs == 0)
                r.finishedAtMs = at;
            r.halted = false;
            m_live.remove(r.id);
        }
        noteActivity(index);
        touch(index);
        break;
    }
    case JobEvent::Type::NodeTask:
    case JobEvent::Type::NodeLog:
        // Activity only: it clears a stuck flag but changes nothing shown otherwise.
        if (wasStuck != r.stuck)
            touch(index);
        break;
    default:
        break;
    }
}

void JobListModel::flush()
{
    m_tick.stop();
    TickStats st;

    // 1. New jobs: one block at the top in the default order (new ids are the largest); otherwise one block per
    //    distinct position, inserted bottom-up so earlier positions stay valid.
    std::vector<quint32> toShow;
    // Every row that changed, shown or filtered out: notifications do not depend on the filter.
    std::vector<quint32> touched(m_pendingInserts.begin(), m_pendingInserts.end());
    touched.insert(touched.end(), m_dirty.begin(), m_dirty.end());
    for (quint32 i : m_pendingInserts) {
        Row &r = m_rows[i];
        r.pending = false;
        r.dirty = false;
        r.shown = false;
        if (passes(r))
            toShow.push_back(i);
    }
    m_pendingInserts.clear();

    // Dirty rows whose filter membership changed leave or join the list; the rest are plain data changes.
    std::vector<quint32> leaving;
    std::vector<quint32> changed;
    for (quint32 i : m_dirty) {
        Row &r = m_rows[i];
        r.dirty = false;
        const bool should = passes(r);
        if (r.shown && !should)
            leaving.push_back(i);
        else if (!r.shown && should)
            toShow.push_back(i);
        else if (r.shown)
            changed.push_back(i);
    }
    m_dirty.clear();

    if (!leaving.empty()) {
        std::vector<qsizetype> rows;
        for (quint32 i : leaving)
            rows.push_back(displayRowOf(i));
        std::sort(rows.begin(), rows.end(), std::greater<>());
        std::size_t k = 0;
        while (k < rows.size()) {
            std::size_t j = k;
            while (j + 1 < rows.size() && rows[j + 1] == rows[j] - 1)
                ++j;
            const qsizetype first = rows[j];
            const qsizetype last = rows[k];
            beginRemoveRows({}, int(first), int(last));
            m_order.erase(m_order.begin() + first, m_order.begin() + last + 1);
            m_rowOfValid = false;
            endRemoveRows();
            k = j + 1;
        }
        for (quint32 i : leaving)
            m_rows[i].shown = false;
        st.removed = int(leaving.size());
    }

    if (!toShow.empty()) {
        std::sort(toShow.begin(), toShow.end(), [this](quint32 a, quint32 b) { return lessThan(a, b); });
        std::vector<std::pair<qsizetype, std::size_t>> blocks; // (position, first index into toShow)
        for (std::size_t k = 0; k < toShow.size(); ++k) {
            const qsizetype pos = displayPosition(toShow[k]);
            if (blocks.empty() || blocks.back().first != pos)
                blocks.emplace_back(pos, k);
        }
        for (std::size_t b = blocks.size(); b-- > 0;) {
            const qsizetype pos = blocks[b].first;
            const std::size_t from = blocks[b].second;
            const std::size_t to = b + 1 < blocks.size() ? blocks[b + 1].second : toShow.size();
            beginInsertRows({}, int(pos), int(pos + qsizetype(to - from) - 1));
            m_order.insert(m_order.begin() + pos, toShow.begin() + qsizetype(from), toShow.begin() + qsizetype(to));
            for (std::size_t k = from; k < to; ++k)
                m_rows[toShow[k]].shown = true;
            m_rowOfValid = false;
            endInsertRows();
        }
        st.inserted = int(toShow.size());
    }

    // 2. One dataChanged over the smallest range that covers every changed row. A QTableView with fixed row
    //    heights repaints only the visible part of it, so a wide range costs no more than many small ones.
    if (!changed.empty()) {
        qsizetype lo = -1;
        qsizetype hi = -1;
        for (quint32 i : changed) {
            const qsizetype row = displayRowOf(i);
            if (row < 0)
                continue;
            lo = lo < 0 ? row : std::min(lo, row);
            hi = std::max(hi, row);
        }
        if (lo >= 0) {
            Q_EMIT dataChanged(index(int(lo), 0), index(int(hi), ColumnCount - 1));
            st.changed = int(changed.size());
            st.firstRow = lo;
            st.lastRow = hi;
        }
    }

    // 3. Notifications, after the views know.
    for (quint32 i : touched) {
        const Row &r = m_rows[i];
        const JobState before = m_signalledState.value(r.id, r.state);
        if (before != r.state) {
            m_signalledState.insert(r.id, r.state);
            Q_EMIT jobStateChanged(r.id, before, r.state);
        }
    }
    for (quint32 i : touched) {
        const Row &r = m_rows[i];
        if (r.halted && !m_signalledState.contains(-r.id)) {
            m_signalledState.insert(-r.id, r.state); // a negative id marks "halt signalled"
            Q_EMIT jobHalted(r.id, m_haltReasons.value(r.id));
        }
    }

    m_lastTick = st;
    if (st.inserted || st.changed || st.removed)
        Q_EMIT ticked(st);
}

void JobListModel::noteActivity(quint32 index)
{
    if (isTerminal(m_rows[index].state)) {
        m_active.remove(index);
        return;
    }
    m_active.insert(index);
    if (!m_clockTimer.isActive())
        m_clockTimer.start();
}

void JobListModel::checkStuck()
{
    const qint64 t = now();
    const QList<quint32> active(m_active.begin(), m_active.end());
    for (quint32 index : active) {
        Row &r = m_rows[index];
        if (isTerminal(r.state)) {
            m_active.remove(index);
            continue;
        }
        const bool running = r.state == JobState::Running || r.state == JobState::Cancelling || r.counts.active() > 0;
        const bool silent = m_stuckAfterMs > 0 && r.lastActivityMs > 0 && t - r.lastActivityMs > m_stuckAfterMs;
        const bool overdue = r.startedAtMs > 0 && r.timeoutS > 0 && t > r.startedAtMs + qint64(r.timeoutS) * 1000;
        const bool stuck = running && (silent || overdue);
        if (stuck != r.stuck) {
            r.stuck = stuck;
            if (stuck)
                Q_EMIT jobBecameStuck(r.id);
            touch(index);
        }
        // The duration of a running job moves every second.
        if (r.startedAtMs > 0)
            touch(index);
    }
    if (m_active.isEmpty())
        m_clockTimer.stop();
    scheduleTick();
}

// ---- filter and sort ----

void JobListModel::setFilter(const JobFilter &filter)
{
    if (filter == m_filter)
        return;
    flush();
    beginResetModel();
    m_filter = filter;
    rebuildOrder();
    endResetModel();
}

void JobListModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= ColumnCount)
        return;
    flush();
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    std::vector<quint32> storage;
    storage.reserve(std::size_t(before.size()));
    for (const QModelIndex &i : before)
        storage.push_back(m_order[std::size_t(i.row())]);
    m_sortColumn = column;
    m_sortOrder = order;
    std::stable_sort(m_order.begin(), m_order.end(), [this](quint32 a, quint32 b) { return lessThan(a, b); });
    m_rowOfValid = false;
    QModelIndexList after;
    after.reserve(before.size());
    for (qsizetype k = 0; k < before.size(); ++k) {
        const qsizetype row = displayRowOf(storage[std::size_t(k)]);
        after.append(row < 0 ? QModelIndex() : index(int(row), before[k].column()));
    }
    changePersistentIndexList(before, after);
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

// ---- lookups ----

int JobListModel::rowOfJob(qint64 id) const
{
    const auto it = m_byId.constFind(id);
    return it == m_byId.constEnd() ? -1 : int(displayRowOf(*it));
}

qint64 JobListModel::jobIdAt(int row) const
{
    if (row < 0 || std::size_t(row) >= m_order.size())
        return 0;
    return m_rows[m_order[std::size_t(row)]].id;
}

JobState JobListModel::jobState(qint64 id) const
{
    const auto it = m_byId.constFind(id);
    return it == m_byId.constEnd() ? JobState::Queued : m_rows[*it].state;
}

NodeCounts JobListModel::jobCounts(qint64 id) const
{
    const auto it = m_byId.constFind(id);
    return it == m_byId.constEnd() ? NodeCounts {} : m_rows[*it].counts;
}

QString JobListModel::jobPlaybook(qint64 id) const
{
    const auto it = m_byId.constFind(id);
    return it == m_byId.constEnd() ? QString() : m_strings.at(m_rows[*it].playbook);
}

QString JobListModel::jobService(qint64 id) const
{
    const auto it = m_byId.constFind(id);
    return it == m_byId.constEnd() ? QString() : m_strings.at(m_rows[*it].service);
}

QString JobListModel::jobOperator(qint64 id) const
{
    const auto it = m_byId.constFind(id);
    return it == m_byId.constEnd() ? QString() : m_strings.at(m_rows[*it].operatorName);
}

bool JobListModel::isStuck(qint64 id) const
{
    const auto it = m_byId.constFind(id);
    return it != m_byId.constEnd() && m_rows[*it].stuck;
}

QList<qint64> JobListModel::activeJobIds() const
{
    QList<qint64> out;
    for (quint32 index : m_active) {
        if (!isTerminal(m_rows[index].state))
            out.append(m_rows[index].id);
    }
    std::sort(out.begin(), out.end());
    return out;
}

qint64 JobListModel::busiestActiveJob() const
{
    qint64 best = 0;
    std::tuple<int, int, qint64> bestKey { -1, -1, 0 };
    for (quint32 index : m_active) {
        const Row &r = m_rows[index];
        if (isTerminal(r.state))
            continue;
        const NodeCounts c = jobCounts(r.id);
        const std::tuple<int, int, qint64> key { c.active(), c.waiting(), r.id };
        if (key > bestKey) {
            bestKey = key;
            best = r.id;
        }
    }
    return best;
}

std::pair<qint64, int> JobListModel::medianDurationS(const QString &playbook, const QString &service) const
{
    const qint64 p = m_strings.find(playbook);
    const qint64 s = service.isEmpty() ? -1 : m_strings.find(service);
    if (p < 0 || (!service.isEmpty() && s < 0))
        return { -1, 0 };
    std::vector<qint64> durations;
    for (const Row &r : m_rows) {
        if (r.playbook != quint32(p) || (s >= 0 && r.service != quint32(s)))
            continue;
        if ((r.state != JobState::Succeeded && r.state != JobState::PartiallyFailed) || r.startedAtMs <= 0
            || r.finishedAtMs <= r.startedAtMs)
            continue;
        durations.push_back((r.finishedAtMs - r.startedAtMs) / 1000);
    }
    if (durations.empty())
        return { -1, 0 };
    auto mid = durations.begin() + qsizetype(durations.size() / 2);
    std::nth_element(durations.begin(), mid, durations.end());
    return { *mid, int(durations.size()) };
}

QStringList JobListModel::nodesWaitingForSlot(const QString &service) const
{
    QList<std::pair<qint64, QString>> waiting;
    for (const LiveNodes &live : m_live) {
        if (live.service != service)
            continue;
        for (auto it = live.states.constBegin(); it != live.states.constEnd(); ++it) {
            if (it.value() == NodeRunState::WaitingForSlot)
                waiting.append({ live.waitingSince.value(it.key()), it.key() });
        }
    }
    std::sort(waiting.begin(), waiting.end());
    QStringList out;
    for (const auto &w : waiting) {
        if (!out.contains(w.second))
            out << w.second;
    }
    return out;
}

QHash<QString, QStringList> JobListModel::nodesWaitingForSlotByService() const
{
    QHash<QString, QList<std::pair<qint64, QString>>> waiting;
    for (const LiveNodes &live : m_live) {
        for (auto it = live.states.constBegin(); it != live.states.constEnd(); ++it) {
            if (it.value() == NodeRunState::WaitingForSlot)
                waiting[live.service].append({ live.waitingSince.value(it.key()), it.key() });
        }
    }
    QHash<QString, QStringList> out;
    for (auto it = waiting.begin(); it != waiting.end(); ++it) {
        std::sort(it->begin(), it->end());
        QStringList &names = out[it.key()];
        for (const auto &w : std::as_const(*it)) {
            if (!names.contains(w.second))
                names << w.second;
        }
    }
    return out;
}

QHash<QString, qint64> JobListModel::activeNodes() const
{
    QHash<QString, qint64> out;
    for (auto it = m_live.constBegin(); it != m_live.constEnd(); ++it) {
        for (auto n = it->states.constBegin(); n != it->states.constEnd(); ++n) {
            if (!isTerminal(n.value()))
                out.insert(n.key(), it.key());
        }
    }
    return out;
}

} // namespace Baton
