#include "widgets/timelinepainter.h"

#include "models/timelinecoordinates.h"
#include "models/timelinemodel.h"

#include <algorithm>
#include <cmath>

#include <QDateTime>
#include <QElapsedTimer>
#include <QFontMetrics>
#include <QLoggingCategory>
#include <QPainter>

// Frame times of the timeline, off by default: QT_LOGGING_RULES="baton.widgets.timeline.frametime.debug=true".
Q_LOGGING_CATEGORY(lcTimelineFrameTime, "baton.widgets.timeline.frametime", QtWarningMsg)

namespace Baton {

using Timeline::Run;
using Timeline::Style;

namespace {

QColor mix(const QColor &a, const QColor &b, double t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
        float(a.blueF() * (1 - t) + b.blueF() * t));
}

int roundi(double v)
{
    return int(std::lround(v));
}

bool isQuietOutcome(Style style)
{
    return style == Timeline::styleOf(NodeRunState::Succeeded) || style == Timeline::styleOf(NodeRunState::Cancelled);
}

} // namespace

TimelinePainter::TimelinePainter()
    : m_theme(Theme::current())
{
    rebuildLooks();
}

TimelinePainter::~TimelinePainter() = default;

void TimelinePainter::setModel(const TimelineModel *model)
{
    if (m_model == model)
        return;
    m_model = model;
    m_hoverRow = -1;
    m_selectedLane = -1;
    invalidate();
}

const TimelineModel *TimelinePainter::model() const
{
    return m_model.data();
}

void TimelinePainter::setTheme(const Theme &theme)
{
    m_theme = theme;
    rebuildLooks();
}

void TimelinePainter::rebuildLooks()
{
    const QColor base = m_theme.color(Theme::Role::Base);
    const QColor text = m_theme.color(Theme::Role::Text);
    m_looks[0] = StyleLook {};
    for (int s = 0; s < kNodeRunStateCount; ++s) {
        const NodeRunStyle st = m_theme.nodeRunStyle(NodeRunState(s));
        StyleLook &l = m_looks[std::size_t(Timeline::styleOf(NodeRunState(s)))];
        l = StyleLook {};
        l.text = st.text;
        switch (st.fill) {
        case NodeRunStyle::Fill::Solid:
            l.fill = st.color;
            break;
        case NodeRunStyle::Fill::Hollow:
            // Nothing happened yet: a faint tint with an outline, so a long queue does not shout.
            l.fill = mix(base, st.color, 0.16);
            l.outline = true;
            l.outlineColor = st.color;
            l.text = text;
            break;
        case NodeRunStyle::Fill::Hatched:
        case NodeRunStyle::Fill::Dotted:
            l.fill = mix(base, st.color, 0.28);
            // A softer hatch than the state's full colour keeps text on it readable.
            l.overlay = mix(l.fill, st.color, 0.75);
            l.pattern = st.pattern;
            l.outline = true;
            l.outlineColor = st.color;
            l.text = text;
            break;
        }
    }
    // Task strips: two shades of the maintenance colour alternate; dense pixels get a pattern of both.
    const QColor mnt = m_theme.nodeRunColor(NodeRunState::InMaintenance);
    m_taskLooks[0] = StyleLook {};
    m_taskLooks[1] = StyleLook { mix(mnt, text, 0.45), QColor(), Qt::NoBrush, false, QColor(), text };
    m_taskLooks[2] = StyleLook { mix(mnt, base, 0.45), QColor(), Qt::NoBrush, false, QColor(), text };
    m_taskLooks[3] = StyleLook { mix(mnt, base, 0.45), mix(mnt, text, 0.45), Qt::Dense4Pattern, false, QColor(), text };
}

void TimelinePainter::setOptions(const Options &options)
{
    if (m_options == options)
        return;
    m_options = options;
    m_layoutValid = false;
}

void TimelinePainter::setSize(const QSize &size)
{
    if (m_size == size)
        return;
    m_size = size;
    m_layoutValid = false; // fit mode depends on the height; the row cache key covers the width
}

void TimelinePainter::setDevicePixelRatio(qreal dpr)
{
    m_dpr = dpr > 0 ? dpr : 1.0;
}

void TimelinePainter::setRange(qint64 start, qint64 end)
{
    m_rangeStart = start;
    m_rangeEnd = end;
}

void TimelinePainter::setNow(qint64 now)
{
    m_now = now;
}

void TimelinePainter::setScrollY(int y)
{
    m_scrollY = std::max(0, y);
}

void TimelinePainter::setHoverRow(int row)
{
    m_hoverRow = row;
}

void TimelinePainter::setSelectedLane(int lane)
{
    m_selectedLane = lane;
}

void TimelinePainter::invalidate()
{
    m_layoutValid = false;
    m_rows.clear();
    m_cacheWidth = -1;
}

QRect TimelinePainter::laneArea() const
{
    const int left = std::clamp(m_options.labelWidth, 0, std::max(0, m_size.width()));
    const int top = std::clamp(m_options.rulerHeight, 0, std::max(0, m_size.height()));
    return QRect(left, top, std::max(0, m_size.width() - left), std::max(0, m_size.height() - top));
}

int TimelinePainter::contentHeight() const
{
    ensureLayout();
    return m_layout.totalHeight();
}

const TimelineRowLayout &TimelinePainter::layout() const
{
    ensureLayout();
    return m_layout;
}

void TimelinePainter::ensureLayout() const
{
    const TimelineModel *model = m_model.data();
    const quint64 structure = model ? model->structureGeneration() : ~0ULL - 1;
    const int height = laneArea().height();
    if (m_layoutValid && structure == m_layoutStructure && (!m_options.fit || height == m_layoutHeight))
        return;
    TimelineRowLayout::Params p;
    p.headerHeight = roundi(m_options.headerHeight * std::max<qreal>(0.5, m_options.fontScale));
    p.rowHeight = m_options.rowHeight;
    p.fit = m_options.fit;
    p.fitHeight = height;
    p.minRowHeight = m_options.minRowHeight;
    p.maxRowHeight = m_options.maxRowHeight;
    p.showHeaders = m_options.showHeaders;
    p.collapsed = m_options.collapsed;
    if (model)
        m_layout.build(*model, p);
    else
        m_layout.clear();
    m_layoutValid = true;
    m_layoutStructure = structure;
    m_layoutHeight = height;
    ++m_layoutSerial;
}

int TimelinePainter::laneWidthDev() const
{
    return std::max(0, roundi(laneArea().width() * m_dpr));
}

int TimelinePainter::nowXDev() const
{
    return roundi(Timeline::timeToPixel(m_now, m_rangeStart, m_rangeEnd, laneWidthDev()));
}

void TimelinePainter::ensureCacheKey() const
{
    const int width = laneWidthDev();
    if (width == m_cacheWidth && m_rangeStart == m_cacheStart && m_rangeEnd == m_cacheEnd
        && m_cacheLayoutSerial == m_layoutSerial && m_rows.size() == std::size_t(m_layout.rowCount()))
        return;
    m_rows.clear();
    m_rows.resize(std::size_t(m_layout.rowCount()));
    m_cacheWidth = width;
    m_cacheStart = m_rangeStart;
    m_cacheEnd = m_rangeEnd;
    m_cacheLayoutSerial = m_layoutSerial;
}

quint64 TimelinePainter::rowKey(const TimelineRow &row) const
{
    // Lane generations only grow, so their sum changes exactly when one of the row's lanes changed.
    quint64 key = 1;
    const TimelineModel &model = *m_model;
    const int end = std::min(model.laneCount(), row.firstLane + row.laneCount);
    for (int lane = row.firstLane; lane < end; ++lane)
        key += model.lane(lane).generation + 1;
    return key;
}

const TimelinePainter::RowGeometry &TimelinePainter::rowGeometry(int index) const
{
    ensureCacheKey();
    RowGeometry &g = m_rows[std::size_t(index)];
    const TimelineRow &row = m_layout.row(index);
    const quint64 key = rowKey(row);
    const int width = m_cacheWidth;
    const int nowX = std::clamp(nowXDev(), 0, width);
    if (g.key == key && g.builtNowX <= nowX)
        return g;
    ++m_buildStats.rowsBuilt;
    g.key = key;
    g.builtNowX = nowX;
    g.runs.clear();
    g.tasks.clear();
    const Timeline::RunWindow window { m_rangeStart, m_rangeEnd, width, m_now };
    if (row.kind == TimelineRow::Kind::Lane) {
        Timeline::laneRuns(*m_model, row.firstLane, window, g.runs);
        if (m_options.showTasks && row.height >= 16)
            Timeline::taskRuns(*m_model, row.firstLane, window, g.tasks);
    } else {
        Timeline::aggregateRuns(*m_model, row.firstLane, row.laneCount, window, g.runs, m_scratch);
    }
    g.tail = Timeline::openTailStyle(*m_model, row.firstLane, row.laneCount);
    return g;
}

double TimelinePainter::timeToX(qint64 t) const
{
    const QRect lanes = laneArea();
    return lanes.left() + Timeline::timeToPixel(t, m_rangeStart, m_rangeEnd, lanes.width());
}

qint64 TimelinePainter::xToTime(double x) const
{
    const QRect lanes = laneArea();
    return Timeline::pixelToTime(x - lanes.left(), m_rangeStart, m_rangeEnd, lanes.width());
}

qint64 TimelinePainter::msUntilNowMoves() const
{
    const TimelineModel *model = m_model.data();
    if (!model || model->isFinished() || !model->hasOpenSpans())
        return -1;
    const int width = laneWidthDev();
    if (width <= 0 || m_rangeEnd <= m_rangeStart || m_now < m_rangeStart || m_now >= m_rangeEnd)
        return -1;
    const double msPerPx = double(m_rangeEnd - m_rangeStart) / width;
    const double x = double(m_now - m_rangeStart) / msPerPx;
    const double next = (std::floor(x) + 1.0) * msPerPx + double(m_rangeStart);
    return std::max<qint64>(1, qint64(std::ceil(next - double(m_now))));
}

TimelineHit TimelinePainter::hitTest(const QPoint &pos) const
{
    TimelineHit hit;
    const TimelineModel *model = m_model.data();
    if (!model || !QRect(QPoint(0, 0), m_size).contains(pos))
        return hit;
    ensureLayout();
    const QRect lanes = laneArea();
    const bool rangeOk = m_rangeEnd > m_rangeStart && lanes.width() > 0;
    if (pos.y() < lanes.top()) {
        if (pos.x() >= lanes.left() && rangeOk) {
            hit.kind = TimelineHit::Kind::Ruler;
            hit.time = xToTime(pos.x());
        }
        return hit;
    }
    const int r = m_layout.rowAt(pos.y() - lanes.top() + m_scrollY);
    if (r < 0)
        return hit;
    const TimelineRow &row = m_layout.row(r);
    hit.row = r;
    hit.group = row.group;
    if (row.kind == TimelineRow::Kind::Header) {
        hit.kind = TimelineHit::Kind::Header;
        return hit;
    }
    hit.lane = row.firstLane;
    hit.laneCount = row.laneCount;
    if (pos.x() < lanes.left()) {
        hit.kind = TimelineHit::Kind::Label;
        return hit;
    }
    if (!rangeOk) {
        hit = TimelineHit();
        return hit;
    }
    hit.time = xToTime(pos.x());
    if (row.kind == TimelineRow::Kind::Aggregate) {
        hit.kind = TimelineHit::Kind::Aggregate;
        return hit;
    }
    hit.kind = TimelineHit::Kind::Lane;
    // The span drawn in this device pixel: with sub-pixel merging that is the most significant span inside the
    // pixel, not necessarily the one at the exact time under the cursor.
    const double devX = std::floor((pos.x() - lanes.left()) * m_dpr);
    const int width = laneWidthDev();
    const qint64 t0 = Timeline::pixelToTime(devX, m_rangeStart, m_rangeEnd, width);
    const qint64 t1 = std::max(t0 + 1, Timeline::pixelToTime(devX + 1, m_rangeStart, m_rangeEnd, width));
    const int lane = row.firstLane;
    int best = -1;
    for (int i = model->firstIndex(lane, t0), last = model->lastIndex(lane, t1); i <= last; ++i) {
        const TimelineSpan &s = model->span(lane, i);
        if (s.isOpen() && s.start >= m_now && t0 >= m_now)
            continue; // open spans are drawn up to now only
        if (s.isOpen() && t0 >= m_now)
            continue;
        if (best < 0 || Timeline::priority(s.state) > Timeline::priority(model->span(lane, best).state))
            best = i;
    }
    hit.span = best;
    const int ti = model->taskAt(lane, hit.time);
    if (ti >= 0 && !(model->task(lane, ti).isOpen() && hit.time > m_now))
        hit.task = ti;
    return hit;
}

QFont TimelinePainter::scaledFont(const QFont &base, qreal factor, bool bold) const
{
    QFont f = base;
    const qreal scale = std::max<qreal>(0.5, m_options.fontScale) * factor;
    if (f.pixelSize() > 0)
        f.setPixelSize(std::max(6, roundi(f.pixelSize() * scale)));
    else
        f.setPointSizeF(std::max<qreal>(5.0, f.pointSizeF() * scale));
    f.setBold(bold);
    return f;
}

void TimelinePainter::paint(QPainter &p, const QRect &exposed)
{
    QElapsedTimer timer;
    timer.start();
    m_stats = FrameStats {};
    m_buildStats = FrameStats {};
    const QRect full(QPoint(0, 0), m_size);
    const QRect ex = exposed.intersected(full);
    if (ex.isEmpty())
        return;
    p.save();
    p.setRenderHint(QPainter::Antialiasing, false);
    p.fillRect(ex, m_theme.color(Theme::Role::Base));
    const TimelineModel *model = m_model.data();
    const QRect lanes = laneArea();
    if (!model || model->laneCount() == 0) {
        paintEmpty(p, model ? QStringLiteral("This job has no nodes") : QStringLiteral("No job selected"));
        p.restore();
        return;
    }
    ensureLayout();
    const int y0 = std::max(ex.top(), lanes.top()) - lanes.top() + m_scrollY;
    const int y1 = std::min(ex.bottom() + 1, lanes.bottom() + 1) - lanes.top() + m_scrollY;
    const auto [firstRow, lastRow] = y1 > y0 ? m_layout.rowsIn(y0, y1) : std::make_pair(0, 0);
    m_stats.rowsPainted = lastRow - firstRow;

    const QRect laneClip = lanes.intersected(ex);
    if (!laneClip.isEmpty()) {
        p.setClipRect(laneClip);
        paintRows(p, firstRow, lastRow);
        p.setClipping(false);
    }
    const QRect labelClip = QRect(0, lanes.top(), lanes.left(), lanes.height()).intersected(ex);
    if (!labelClip.isEmpty()) {
        p.setClipRect(labelClip);
        paintLabels(p, labelClip, firstRow, lastRow);
        p.setClipping(false);
    }
    const QRect rulerClip = QRect(0, 0, m_size.width(), lanes.top()).intersected(ex);
    if (!rulerClip.isEmpty()) {
        p.setClipRect(rulerClip);
        paintRuler(p, rulerClip);
        p.setClipping(false);
    }
    p.restore();
    m_stats.rowsBuilt = m_buildStats.rowsBuilt;
    qCDebug(lcTimelineFrameTime).nospace() << "timeline frame " << double(timer.nsecsElapsed()) / 1e6 << " ms, "
                                           << m_stats.rowsPainted << " rows, " << m_stats.rowsBuilt << " rebuilt, "
                                           << m_stats.rects << " rects";
}

void TimelinePainter::paintEmpty(QPainter &p, const QString &text) const
{
    p.setPen(m_theme.color(Theme::Role::MutedText));
    p.setFont(scaledFont(p.font(), 1.1));
    p.drawText(QRect(QPoint(0, 0), m_size), Qt::AlignCenter, text);
}

void TimelinePainter::paintRows(QPainter &p, int firstRow, int lastRow)
{
    const TimelineModel &model = *m_model;
    const QRect lanes = laneArea();
    const int width = laneWidthDev();
    const int leftDev = roundi(lanes.left() * m_dpr);
    const bool live = !model.isFinished();
    const int nowX = live ? std::clamp(nowXDev(), 0, width) : -1;
    const QColor zebra = m_theme.color(Theme::Role::AlternateBase);
    QColor hover = m_theme.color(Theme::Role::Highlight);
    hover.setAlphaF(0.45f);

    for (auto &b : m_batches)
        b.clear();
    for (auto &b : m_taskBatches)
        b.clear();

    struct TextItem
    {
        QRect rect;
        QString text;
        QColor color;
    };
    std::vector<TextItem> texts;
    const QFont barFont = scaledFont(p.font(), 0.9);
    const QFontMetrics fm(barFont);

    // Backgrounds first (zebra, hover, grid), then the bars in device pixels, outlines, header bands and the
    // now line on top.
    for (int r = firstRow; r < lastRow; ++r) {
        const TimelineRow &row = m_layout.row(r);
        if (row.kind == TimelineRow::Kind::Header)
            continue;
        const int top = lanes.top() + row.y - m_scrollY;
        if (row.height >= 8 && ((row.firstLane / std::max(1, row.laneCount)) & 1))
            p.fillRect(QRect(lanes.left(), top, lanes.width(), row.height), zebra);
        if (r == m_hoverRow)
            p.fillRect(QRect(lanes.left(), top, lanes.width(), row.height), hover);
    }

    // The grid goes under the bars: it guides the eye between them without cutting through them.
    paintGrid(p);

    for (int r = firstRow; r < lastRow; ++r) {
        const TimelineRow &row = m_layout.row(r);
        if (row.kind == TimelineRow::Kind::Header)
            continue;
        const RowGeometry &g = rowGeometry(r);
        const int top = lanes.top() + row.y - m_scrollY;
        int insetTop = 0;
        int insetBottom = 0;
        if (row.kind == TimelineRow::Kind::Lane && row.height >= 12) {
            insetTop = 2;
            insetBottom = 2;
        } else if (row.height >= 4) {
            insetBottom = 1;
        }
        const int yDev = roundi((top + insetTop) * m_dpr);
        const int hDev = roundi((top + row.height - insetBottom) * m_dpr) - yDev;
        if (hDev <= 0)
            continue;
        const bool strip = !g.tasks.empty();
        const int stripDev = strip ? std::max(2, roundi(hDev * 0.28)) : 0;
        const int barDev = hDev - stripDev;
        // A finished node's good outcome is drawn as a thin bar: it is the colour of the result without the
        // weight of work in progress, so what is still running stands out. Failures keep the full height.
        const bool thinOutcome = row.kind == TimelineRow::Kind::Lane && barDev >= roundi(8 * m_dpr);
        const int thinDev = std::max(2, roundi(barDev * 0.4));
        const int thinY = yDev + (barDev - thinDev) / 2;
        auto push = [&](Style style, int x0, int x1) {
            if (thinOutcome && isQuietOutcome(style))
                m_batches[style].push_back(QRect(leftDev + x0, thinY, x1 - x0, thinDev));
            else
                m_batches[style].push_back(QRect(leftDev + x0, yDev, x1 - x0, barDev));
        };
        for (const Run &run : g.runs)
            push(run.style, run.x0, run.x1);
        if (g.tail != Timeline::kNoStyle && nowX > g.builtNowX)
            push(g.tail, g.builtNowX, nowX);
        for (const Run &run : g.tasks)
            m_taskBatches[run.style].push_back(QRect(leftDev + run.x0, yDev + barDev, run.x1 - run.x0, stripDev));

        // Labels inside wide bars: what the state is, and for maintenance the task. Few runs are this wide,
        // so looking their span up here costs little.
        if (row.kind == TimelineRow::Kind::Lane && barDev / m_dpr >= fm.height() * 0.9) {
            for (const Run &run : g.runs) {
                const double w = (run.x1 - run.x0) / m_dpr;
                if (w < 60 || isQuietOutcome(run.style))
                    continue;
                const double midX = (run.x0 + run.x1) / 2.0;
                const qint64 t = Timeline::pixelToTime(midX, m_rangeStart, m_rangeEnd, width);
                const int si = model.spanAt(row.firstLane, t);
                if (si < 0)
                    continue;
                const TimelineSpan &s = model.span(row.firstLane, si);
                QString label = displayName(s.state);
                if (s.state == NodeRunState::InMaintenance && !g.tasks.empty()) {
                    // In maintenance the tasks say more than the state: name each task wide enough to read,
                    // at its own place in the bar.
                    for (const Run &tr : g.tasks) {
                        const double tw = (std::min(tr.x1, run.x1) - std::max(tr.x0, run.x0)) / m_dpr;
                        if (tw < 60 || tr.style == 3)
                            continue;
                        const qint64 tt = Timeline::pixelToTime((tr.x0 + tr.x1) / 2.0, m_rangeStart, m_rangeEnd, width);
                        const int ti = model.taskAt(row.firstLane, tt);
                        if (ti < 0)
                            continue;
                        const QRect rect(roundi(std::max(tr.x0, run.x0) / m_dpr) + lanes.left() + 4, top + insetTop,
                            roundi(tw) - 8, roundi(barDev / m_dpr));
                        texts.push_back(TextItem { rect,
                            fm.elidedText(model.text(model.task(row.firstLane, ti).name), Qt::ElideRight, rect.width()),
                            m_looks[run.style].text });
                    }
                    continue;
                } else if (s.detail != 0 && isWaiting(s.state)) {
                    label = QStringLiteral("%1: %2").arg(label, model.text(s.detail));
                } else if (s.detail != 0 && (isFailure(s.state) || s.state == NodeRunState::Cancelled)) {
                    label = QStringLiteral("%1: %2").arg(label, model.text(s.detail));
                }
                const QRect rect(roundi(run.x0 / m_dpr) + lanes.left() + 4, top + insetTop, roundi(w) - 8,
                    roundi(barDev / m_dpr));
                texts.push_back(TextItem { rect, fm.elidedText(label, Qt::ElideRight, rect.width()),
                    m_looks[run.style].text });
            }
        }
    }

    p.save();
    p.scale(1.0 / m_dpr, 1.0 / m_dpr);
    p.setRenderHint(QPainter::Antialiasing, false);
    for (std::size_t s = 1; s < m_batches.size(); ++s) {
        const auto &rects = m_batches[s];
        if (rects.empty())
            continue;
        const StyleLook &look = m_looks[s];
        for (const QRect &rc : rects)
            p.fillRect(rc, look.fill);
        if (look.pattern != Qt::NoBrush) {
            const QBrush brush(look.overlay, look.pattern);
            for (const QRect &rc : rects)
                p.fillRect(rc, brush);
        }
        m_stats.rects += int(rects.size());
    }
    for (std::size_t s = 1; s < m_taskBatches.size(); ++s) {
        const auto &rects = m_taskBatches[s];
        const StyleLook &look = m_taskLooks[s];
        for (const QRect &rc : rects)
            p.fillRect(rc, look.fill);
        if (look.pattern != Qt::NoBrush) {
            const QBrush brush(look.overlay, look.pattern);
            for (const QRect &rc : rects)
                p.fillRect(rc, brush);
        }
        m_stats.rects += int(rects.size());
    }
    // Outlines tell tinted states apart from the background; only where they can be seen.
    const int minOutline = roundi(7 * m_dpr);
    std::vector<QRect> outlines;
    for (std::size_t s = 1; s < m_batches.size(); ++s) {
        const StyleLook &look = m_looks[s];
        if (!look.outline)
            continue;
        outlines.clear();
        for (const QRect &rc : m_batches[s]) {
            if (rc.height() >= minOutline && rc.width() >= 3)
                outlines.push_back(rc.adjusted(0, 0, -1, -1));
        }
        if (outlines.empty())
            continue;
        p.setPen(QPen(look.outlineColor, 0));
        p.setBrush(Qt::NoBrush);
        p.drawRects(outlines.data(), int(outlines.size()));
    }
    p.restore();

    if (!texts.empty()) {
        p.setFont(barFont);
        for (const TextItem &t : texts) {
            p.setPen(t.color);
            p.drawText(t.rect, Qt::AlignVCenter | Qt::AlignLeft, t.text);
        }
    }

    paintHeaderBands(p, firstRow, lastRow);

    if (m_selectedLane >= 0) {
        const int r = m_layout.rowOfLane(m_selectedLane);
        if (r >= firstRow && r < lastRow) {
            const TimelineRow &row = m_layout.row(r);
            p.setPen(QPen(m_theme.color(Theme::Role::Link), 2));
            p.setBrush(Qt::NoBrush);
            p.drawRect(QRect(lanes.left() + 1, lanes.top() + row.y - m_scrollY + 1, lanes.width() - 2, row.height - 2));
        }
    }
    paintNowLine(p);
}

void TimelinePainter::paintHeaderBands(QPainter &p, int firstRow, int lastRow) const
{
    const TimelineModel &model = *m_model;
    const QRect lanes = laneArea();
    const QFont font = scaledFont(p.font(), 0.95);
    for (int r = firstRow; r < lastRow; ++r) {
        const TimelineRow &row = m_layout.row(r);
        if (row.kind != TimelineRow::Kind::Header)
            continue;
        const QRect band(lanes.left(), lanes.top() + row.y - m_scrollY, lanes.width(), row.height);
        p.fillRect(band, m_theme.color(Theme::Role::Window));
        p.fillRect(QRect(band.left(), band.bottom(), band.width(), 1), m_theme.color(Theme::Role::Border));
        const TimelineGroup &grp = model.group(row.group);
        NodeCounts c;
        for (int lane = grp.firstLane; lane < grp.firstLane + grp.laneCount; ++lane)
            ++c[model.lane(lane).state];
        const QString text = QStringLiteral("%1 nodes · %2").arg(grp.laneCount).arg(c.summary());
        p.setFont(font);
        p.setPen(m_theme.color(Theme::Role::MutedText));
        p.drawText(band.adjusted(8, 0, -8, 0), Qt::AlignVCenter | Qt::AlignLeft,
            QFontMetrics(font).elidedText(text, Qt::ElideRight, band.width() - 16));
    }
}

void TimelinePainter::paintGrid(QPainter &p) const
{
    const QRect lanes = laneArea();
    const double msPerPx = Timeline::msPerPixel(m_rangeStart, m_rangeEnd, lanes.width());
    if (msPerPx <= 0)
        return;
    const qint64 step = Timeline::niceTickStep(msPerPx, 90 * std::max<qreal>(0.5, m_options.fontScale));
    const qint64 offset = qint64(QDateTime::fromMSecsSinceEpoch(m_rangeStart).offsetFromUtc()) * 1000;
    QColor grid = m_theme.color(Theme::Role::Grid);
    p.setPen(QPen(grid, 0));
    for (qint64 t = Timeline::firstTick(m_rangeStart, step, offset); t < m_rangeEnd; t += step) {
        const int x = roundi(timeToX(t));
        p.drawLine(x, lanes.top(), x, lanes.bottom());
    }
}

void TimelinePainter::paintNowLine(QPainter &p) const
{
    const TimelineModel *model = m_model.data();
    if (!model || model->isFinished() || m_now < m_rangeStart || m_now > m_rangeEnd)
        return;
    const double x = timeToX(m_now);
    p.fillRect(QRectF(x - 1, 0, 2, m_size.height()), m_theme.color(Theme::Role::NowLine));
}

void TimelinePainter::paintRuler(QPainter &p, const QRect &exposed) const
{
    const QRect lanes = laneArea();
    const QRect ruler(0, 0, m_size.width(), lanes.top());
    p.fillRect(ruler.intersected(exposed), m_theme.color(Theme::Role::Window));
    p.fillRect(QRect(0, ruler.bottom(), m_size.width(), 1), m_theme.color(Theme::Role::Border));
    const double msPerPx = Timeline::msPerPixel(m_rangeStart, m_rangeEnd, lanes.width());
    const QFont font = scaledFont(p.font(), 0.85);
    p.setFont(font);
    const QFontMetrics fm(font);
    const QColor muted = m_theme.color(Theme::Role::MutedText);
    if (lanes.left() > 0) {
        p.setPen(muted);
        const QString date = m_rangeStart > 0
            ? QDateTime::fromMSecsSinceEpoch(m_rangeStart).toString(QStringLiteral("ddd d MMM yyyy"))
            : QString();
        p.drawText(QRect(8, 0, lanes.left() - 12, ruler.height()), Qt::AlignVCenter | Qt::AlignLeft,
            fm.elidedText(date, Qt::ElideRight, lanes.left() - 12));
    }
    if (msPerPx <= 0)
        return;
    const qint64 step = Timeline::niceTickStep(msPerPx, 90 * std::max<qreal>(0.5, m_options.fontScale));
    const qint64 offset = qint64(QDateTime::fromMSecsSinceEpoch(m_rangeStart).offsetFromUtc()) * 1000;
    const QString format = step >= 86'400'000 ? QStringLiteral("d MMM")
        : step < 60'000                       ? QStringLiteral("HH:mm:ss")
                                              : QStringLiteral("HH:mm");
    p.save();
    p.setClipRect(QRect(lanes.left(), 0, lanes.width(), ruler.height()).intersected(exposed));
    for (qint64 t = Timeline::firstTick(m_rangeStart, step, offset); t < m_rangeEnd; t += step) {
        const int x = roundi(timeToX(t));
        p.fillRect(QRect(x, ruler.bottom() - 6, 1, 6), muted);
        p.setPen(muted);
        p.drawText(QRect(x + 3, 0, 200, ruler.height() - 4), Qt::AlignVCenter | Qt::AlignLeft,
            QDateTime::fromMSecsSinceEpoch(t).toString(format));
    }
    const TimelineModel *model = m_model.data();
    if (model && !model->isFinished() && m_now >= m_rangeStart && m_now <= m_rangeEnd) {
        const double x = timeToX(m_now);
        p.setPen(m_theme.color(Theme::Role::NowLine));
        const QString now = QStringLiteral("now");
        const int w = fm.horizontalAdvance(now) + 8;
        const QRect tag(roundi(x) - w / 2, 2, w, ruler.height() - 10);
        p.fillRect(tag, m_theme.color(Theme::Role::NowLine));
        p.setPen(m_theme.color(Theme::Role::Base));
        p.drawText(tag, Qt::AlignCenter, now);
    }
    p.restore();
}

void TimelinePainter::paintLabels(QPainter &p, const QRect &exposed, int firstRow, int lastRow) const
{
    const TimelineModel &model = *m_model;
    const QRect lanes = laneArea();
    p.fillRect(exposed, m_theme.color(Theme::Role::Window));
    const QFont font = scaledFont(p.font(), 1.0);
    const QFont bold = scaledFont(p.font(), 1.0, true);
    const QFontMetrics fm(font);
    const QColor text = m_theme.color(Theme::Role::Text);
    const QColor muted = m_theme.color(Theme::Role::MutedText);
    QColor hover = m_theme.color(Theme::Role::Highlight);
    hover.setAlphaF(0.45f);
    for (int r = firstRow; r < lastRow; ++r) {
        const TimelineRow &row = m_layout.row(r);
        const QRect rect(0, lanes.top() + row.y - m_scrollY, lanes.left(), row.height);
        if (row.kind == TimelineRow::Kind::Header) {
            p.fillRect(rect, m_theme.color(Theme::Role::Window));
            p.fillRect(QRect(0, rect.bottom(), rect.width(), 1), m_theme.color(Theme::Role::Border));
            const TimelineGroup &grp = model.group(row.group);
            const bool collapsed = m_options.collapsed.contains(grp.service);
            const QString name = grp.service.isEmpty() ? QStringLiteral("(no service)") : grp.service;
            p.setFont(bold);
            p.setPen(text);
            p.drawText(rect.adjusted(8, 0, -6, 0), Qt::AlignVCenter | Qt::AlignLeft,
                QFontMetrics(bold).elidedText(
                    (collapsed ? QStringLiteral("▸ ") : QStringLiteral("▾ ")) + name, Qt::ElideRight, rect.width() - 14));
            continue;
        }
        if (r == m_hoverRow)
            p.fillRect(rect, hover);
        if (row.kind == TimelineRow::Kind::Aggregate && r > 0 && m_layout.row(r - 1).kind == TimelineRow::Kind::Header
            && row.height < fm.height() * 0.8) {
            // Rows too thin for names: say once per service what each row stands for.
            const TimelineGroup &grp = model.group(row.group);
            p.setFont(font);
            p.setPen(muted);
            p.drawText(QRect(8, rect.top() + 2, rect.width() - 14, fm.height() * 2 + 4), Qt::AlignTop | Qt::AlignLeft,
                QStringLiteral("%1 nodes\n%2 per row").arg(grp.laneCount).arg(m_layout.lanesPerRow()));
            continue;
        }
        if (row.height < fm.height() * 0.8)
            continue; // too thin for text; the bar still shows
        p.setFont(font);
        if (row.kind == TimelineRow::Kind::Aggregate) {
            const int last = std::min(model.laneCount(), row.firstLane + row.laneCount) - 1;
            p.setPen(muted);
            p.drawText(rect.adjusted(8, 0, -6, 0), Qt::AlignVCenter | Qt::AlignLeft,
                fm.elidedText(QStringLiteral("%1 … %2").arg(model.lane(row.firstLane).node, model.lane(last).node),
                    Qt::ElideMiddle, rect.width() - 14));
            continue;
        }
        const TimelineLane &lane = model.lane(row.firstLane);
        const int sw = std::min(row.height - 6, 18);
        int x = 8;
        if (sw >= 8) {
            m_theme.paintNodeRunSwatch(p, QRectF(x, rect.top() + (row.height - sw) / 2.0, sw, sw), lane.state, true);
            x += sw + 6;
        }
        const bool stuck = m_options.stuckAfterMs > 0 && isActive(lane.state) && lane.lastEventAtMs > 0
            && m_now - lane.lastEventAtMs > m_options.stuckAfterMs;
        QString name = lane.node;
        if (stuck)
            name += QStringLiteral(" · stuck");
        p.setPen(stuck ? m_theme.color(Theme::Role::Stuck) : text);
        if (stuck)
            p.setFont(bold);
        p.drawText(QRect(x, rect.top(), rect.width() - x - 6, rect.height()), Qt::AlignVCenter | Qt::AlignLeft,
            fm.elidedText(name, Qt::ElideMiddle, rect.width() - x - 6));
    }
    p.fillRect(QRect(lanes.left() - 1, lanes.top(), 1, lanes.height()), m_theme.color(Theme::Role::Border));
}

} // namespace Baton
