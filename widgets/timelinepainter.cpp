#include "widgets/timelinepainter.h"

#include "models/timelinecoordinates.h"
#include "models/timelinemodel.h"
#include "models/timelinesummary.h"
#include "widgets/fontscale.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <QDateTime>
#include <QElapsedTimer>
#include <QFontMetrics>
#include <QLoggingCategory>
#include <QPaintEngine>
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
    ++m_looksSerial;
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
    m_summaries.clear();
    m_rasterKey = 0;
    m_layoutValid = false;
    m_rows.clear();
    m_cacheWidth = -1;
}

namespace {
template<typename T> void releaseVector(std::vector<T> &v)
{
    std::vector<T>().swap(v);
}
template<typename T> qsizetype vectorBytes(const std::vector<T> &v)
{
    return qsizetype(v.capacity() * sizeof(T));
}
} // namespace

void TimelinePainter::releaseCaches()
{
    invalidate();
    m_bars = QImage();
    releaseVector(m_rows);
    releaseVector(m_summaries);
    releaseVector(m_scratch);
    releaseVector(m_lineBg);
    releaseVector(m_lineStrip);
    releaseVector(m_gridX);
    releaseVector(m_styleAt);
    for (auto &v : m_solidLines)
        releaseVector(v);
    for (auto &v : m_patternLines)
        releaseVector(v);
    for (auto &v : m_batches)
        releaseVector(v);
    for (auto &v : m_taskBatches)
        releaseVector(v);
    // Force the per-style lines to be rebuilt on the next raster frame.
    m_solidKey = ~0ULL;
    m_patternKey = ~0ULL;
}

qsizetype TimelinePainter::cacheBytes() const
{
    qsizetype n = m_bars.sizeInBytes();
    n += vectorBytes(m_rows) + vectorBytes(m_summaries) + vectorBytes(m_scratch);
    for (const RowGeometry &g : m_rows)
        n += vectorBytes(g.runs) + vectorBytes(g.tasks);
    for (const Timeline::Summary &sum : m_summaries)
        n += sum.bucketCount();
    n += vectorBytes(m_lineBg) + vectorBytes(m_lineStrip) + vectorBytes(m_gridX) + vectorBytes(m_styleAt);
    for (const auto &v : m_solidLines)
        n += vectorBytes(v);
    for (const auto &v : m_patternLines)
        n += vectorBytes(v);
    for (const auto &v : m_batches)
        n += vectorBytes(v);
    for (const auto &v : m_taskBatches)
        n += vectorBytes(v);
    return n;
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
        // Aggregated rows read a bucket summary of their lanes when one fits this scale (see Summary): a pan or
        // a follow step then costs a pass over the pixels instead of over every span of every lane.
        const int level = Timeline::Summary::levelFor(Timeline::msPerPixel(m_rangeStart, m_rangeEnd, width));
        if (level >= 0) {
            if (m_summaries.size() != m_rows.size() || m_summarySerial != m_layoutSerial) {
                m_summaries.assign(m_rows.size(), Timeline::Summary());
                m_summarySerial = m_layoutSerial;
            }
            Timeline::Summary &sum = m_summaries[std::size_t(index)];
            if (!sum.isValidFor(key, level, m_rangeStart, m_rangeEnd)) {
                const qint64 length = m_rangeEnd - m_rangeStart;
                sum.build(
                    *m_model, row.firstLane, row.laneCount, level, m_rangeStart - length, m_rangeEnd + length, key);
                ++m_buildStats.summariesBuilt;
            }
            sum.runs(*m_model, row.firstLane, row.laneCount, window, g.runs, m_scratch);
        } else {
            Timeline::aggregateRuns(*m_model, row.firstLane, row.laneCount, window, g.runs, m_scratch);
        }
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
    return Baton::scaledFont(base, std::max<qreal>(0.5, m_options.fontScale) * factor, bold);
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
    m_stats.summariesBuilt = m_buildStats.summariesBuilt;
    qCDebug(lcTimelineFrameTime).nospace()
        << "timeline frame " << double(timer.nsecsElapsed()) / 1e6 << " ms, " << m_stats.rowsPainted << " rows, "
        << m_stats.rowsBuilt << " rebuilt, " << m_stats.rects << " rects";
}

void TimelinePainter::paintEmpty(QPainter &p, const QString &text) const
{
    p.setPen(m_theme.color(Theme::Role::MutedText));
    p.setFont(scaledFont(p.font(), 1.1));
    p.drawText(QRect(QPoint(0, 0), m_size), Qt::AlignCenter, text);
}

TimelinePainter::RowBox TimelinePainter::rowBox(const TimelineRow &row, bool hasTasks) const
{
    RowBox b;
    const int y = row.y - m_scrollY; // logical, from the top of the lane area
    int insetTop = 0;
    int insetBottom = 0;
    if (row.kind == TimelineRow::Kind::Lane && row.height >= 12) {
        insetTop = 2;
        insetBottom = 2;
    } else if (row.height >= 4) {
        insetBottom = 1;
    }
    b.top = roundi(y * m_dpr);
    b.bottom = roundi((y + row.height) * m_dpr);
    b.barTop = roundi((y + insetTop) * m_dpr);
    const int barBottom = roundi((y + row.height - insetBottom) * m_dpr);
    const int h = std::max(0, barBottom - b.barTop);
    b.stripH = hasTasks && h > 4 ? std::max(2, roundi(h * 0.28)) : 0;
    b.barH = h - b.stripH;
    // A finished node's good outcome is drawn as a thin bar: the colour of the result without the weight of
    // work in progress, so what still runs stands out. Failures keep the full height.
    b.thin = row.kind == TimelineRow::Kind::Lane && b.barH >= roundi(8 * m_dpr);
    b.thinH = b.thin ? std::max(2, roundi(b.barH * 0.4)) : b.barH;
    b.thinTop = b.thin ? b.barTop + (b.barH - b.thinH) / 2 : b.barTop;
    b.outlines = b.barH >= roundi(7 * m_dpr);
    return b;
}

void TimelinePainter::paintRows(QPainter &p, int firstRow, int lastRow)
{
    const QRect lanes = laneArea();
    const bool live = !m_model->isFinished();
    m_frameNowX = live ? std::clamp(nowXDev(), 0, laneWidthDev()) : -1;
    const bool raster = p.paintEngine() && p.paintEngine()->type() == QPaintEngine::Raster;
    if (raster)
        rasterRows(p, firstRow, lastRow);
    else
        vectorRows(p, firstRow, lastRow);
    paintBarTexts(p, firstRow, lastRow);
    paintHeaderBands(p, firstRow, lastRow, !raster);
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

namespace {

// Whether pixel (x, y) of a pattern is set. Our own small patterns rather than Qt's 8×8 bitmaps so the raster
// and vector paths agree closely, scaled by `s` device pixels per pattern pixel on HiDPI screens.
bool patternBit(Qt::BrushStyle style, int x, int y, int s)
{
    x /= s;
    y /= s;
    switch (style) {
    case Qt::BDiagPattern:
        return (x + y) % 6 == 0;
    case Qt::FDiagPattern:
        return ((x - y) % 6 + 6) % 6 == 0;
    case Qt::DiagCrossPattern:
        return (x + y) % 6 == 0 || ((x - y) % 6 + 6) % 6 == 0;
    case Qt::HorPattern:
        return y % 4 == 0;
    case Qt::VerPattern:
        return x % 4 == 0;
    case Qt::CrossPattern:
        return x % 4 == 0 || y % 4 == 0;
    case Qt::Dense4Pattern:
    case Qt::Dense3Pattern:
    case Qt::Dense2Pattern:
    case Qt::Dense1Pattern:
        return ((x + y) & 1) == 0;
    case Qt::Dense5Pattern:
    case Qt::Dense6Pattern:
    case Qt::Dense7Pattern:
        return (x % 4 == 0 && y % 4 == 0) || (x % 4 == 2 && y % 4 == 2);
    default:
        return false;
    }
}

// The pattern repeats vertically every patternPeriod() device pixels, so one precomputed line per phase serves
// every scanline.
int patternPeriod(Qt::BrushStyle style, int s)
{
    switch (style) {
    case Qt::BDiagPattern:
    case Qt::FDiagPattern:
    case Qt::DiagCrossPattern:
        return 6 * s;
    case Qt::Dense1Pattern:
    case Qt::Dense2Pattern:
    case Qt::Dense3Pattern:
    case Qt::Dense4Pattern:
        return 2 * s;
    default:
        return 4 * s;
    }
}

inline void fillLine(quint32 *line, int x0, int x1, quint32 c)
{
    std::fill(line + x0, line + x1, c);
}

} // namespace

void TimelinePainter::rasterRows(QPainter &p, int firstRow, int lastRow)
{
    const QRect lanes = laneArea();
    const int W = laneWidthDev();
    const int H = std::max(0, roundi(lanes.height() * m_dpr));
    if (W <= 0 || H <= 0)
        return;
    if (m_bars.width() != W || m_bars.height() != H)
        m_bars = QImage(W, H, QImage::Format_RGB32); // opaque: blitted by copy, without per-pixel blending
    if (m_bars.isNull())
        return;
    m_bars.setDevicePixelRatio(m_dpr);
    const int s = std::max(1, roundi(m_dpr));

    // When nothing that shows in the bar layer changed (an expose, a tooltip, a now that moved less than a
    // pixel), the last raster is blitted as it is.
    quint64 rasterKey = 1469598103934665603ULL;
    auto mixKey = [&rasterKey](quint64 v) { rasterKey = (rasterKey ^ v) * 1099511628211ULL; };
    mixKey(quint64(m_rangeStart));
    mixKey(quint64(m_rangeEnd));
    mixKey(quint64(W) << 32 | quint64(H));
    mixKey(quint64(m_scrollY));
    mixKey(quint64(qint64(m_hoverRow)));
    mixKey(m_layoutSerial);
    mixKey(m_looksSerial);
    mixKey(quint64(qint64(m_frameNowX)));
    mixKey(quint64(firstRow) << 32 | quint64(lastRow));
    for (int r = firstRow; r < lastRow; ++r) {
        const TimelineRow &row = m_layout.row(r);
        if (row.kind != TimelineRow::Kind::Header)
            mixKey(rowKey(row));
    }
    const bool rasterValid = rasterKey == m_rasterKey;
    m_rasterKey = rasterKey;
    if (rasterValid) {
        blitBars(p);
        return;
    }
    const std::size_t lineBytes = std::size_t(W) * sizeof(quint32);

    auto rgb = [](const QColor &c) { return quint32(c.rgba()) | 0xff000000u; };
    const quint32 base = rgb(m_theme.color(Theme::Role::Base));
    const quint32 zebra = rgb(m_theme.color(Theme::Role::AlternateBase));
    const quint32 hover = rgb(mix(m_theme.color(Theme::Role::Base), m_theme.color(Theme::Role::Highlight), 0.45));
    const quint32 hoverZebra
        = rgb(mix(m_theme.color(Theme::Role::AlternateBase), m_theme.color(Theme::Role::Highlight), 0.45));
    const quint32 window = rgb(m_theme.color(Theme::Role::Window));
    const quint32 border = rgb(m_theme.color(Theme::Role::Border));
    const quint32 grid = rgb(m_theme.color(Theme::Role::Grid));
    std::array<quint32, Timeline::kStyleCount> fill {};
    std::array<quint32, Timeline::kStyleCount> overlay {};
    std::array<quint32, Timeline::kStyleCount> outline {};
    for (std::size_t i = 1; i < m_looks.size(); ++i) {
        fill[i] = rgb(m_looks[i].fill);
        overlay[i] = m_looks[i].pattern != Qt::NoBrush ? rgb(m_looks[i].overlay) : 0;
        outline[i] = m_looks[i].outline ? rgb(m_looks[i].outlineColor) : 0;
    }
    std::array<quint32, 4> taskFill {};
    std::array<quint32, 4> taskOverlay {};
    for (std::size_t i = 1; i < m_taskLooks.size(); ++i) {
        taskFill[i] = rgb(m_taskLooks[i].fill);
        taskOverlay[i] = m_taskLooks[i].pattern != Qt::NoBrush ? rgb(m_taskLooks[i].overlay) : 0;
    }

    // Pattern lines: for each patterned style and each vertical phase, a full-width line of fill and overlay
    // pixels. A patterned run is then a memcpy from its phase line instead of a test per pixel.
    const quint64 patternKey = (quint64(W) << 20) ^ (quint64(s) << 8) ^ m_looksSerial;
    if (patternKey != m_patternKey) {
        m_patternKey = patternKey;
        for (std::size_t i = 0; i < m_patternLines.size(); ++i) {
            m_patternLines[i].clear();
            const bool task = i >= std::size_t(Timeline::kStyleCount);
            const StyleLook &look = task ? m_taskLooks[i - Timeline::kStyleCount] : m_looks[i];
            if (look.pattern == Qt::NoBrush || i == 0 || i == std::size_t(Timeline::kStyleCount))
                continue;
            const int period = patternPeriod(look.pattern, s);
            const quint32 f = rgb(look.fill);
            const quint32 o = rgb(look.overlay);
            m_patternLines[i].resize(std::size_t(period) * std::size_t(W));
            for (int phase = 0; phase < period; ++phase) {
                quint32 *line = m_patternLines[i].data() + std::size_t(phase) * std::size_t(W);
                for (int x = 0; x < W; ++x)
                    line[x] = patternBit(look.pattern, x, phase, s) ? o : f;
            }
        }
    }
    if (m_solidLines[1].size() != std::size_t(W) || m_solidKey != patternKey) {
        m_solidKey = patternKey;
        for (int st = 1; st < Timeline::kStyleCount; ++st) {
            m_solidLines[std::size_t(st)].assign(std::size_t(W), rgb(m_looks[std::size_t(st)].fill));
            m_solidLines[std::size_t(st) + Timeline::kStyleCount].assign(std::size_t(W),
                m_looks[std::size_t(st)].outline ? rgb(m_looks[std::size_t(st)].outlineColor)
                                                 : rgb(m_looks[std::size_t(st)].fill));
        }
    }
    auto patternLine = [&](std::size_t index, Qt::BrushStyle pattern, int y) {
        const int period = patternPeriod(pattern, s);
        return m_patternLines[index].data() + std::size_t(y % period) * std::size_t(W);
    };

    // Grid columns, drawn into every background line (under the bars).
    m_gridX.clear();
    {
        const double msPerPx = Timeline::msPerPixel(m_rangeStart, m_rangeEnd, lanes.width());
        if (msPerPx > 0) {
            const qint64 step = Timeline::niceTickStep(msPerPx, 90 * std::max<qreal>(0.5, m_options.fontScale));
            const qint64 offset = qint64(QDateTime::fromMSecsSinceEpoch(m_rangeStart).offsetFromUtc()) * 1000;
            for (qint64 t = Timeline::firstTick(m_rangeStart, step, offset); t < m_rangeEnd; t += step) {
                const int x = roundi(Timeline::timeToPixel(t, m_rangeStart, m_rangeEnd, W));
                if (x >= 0 && x < W)
                    m_gridX.push_back(x);
            }
        }
    }
    m_lineBg.resize(std::size_t(W));
    m_lineStrip.resize(std::size_t(W));
    auto background = [&](quint32 c) {
        fillLine(m_lineBg.data(), 0, W, c);
        for (int x : m_gridX)
            m_lineBg[std::size_t(x)] = grid;
    };

    // Scanlines no row covers: plain background with the grid.
    background(base);
    int covered = 0;
    auto fillUncovered = [&](int from, int to) {
        for (int y = std::max(0, from); y < std::min(H, to); ++y)
            std::memcpy(m_bars.scanLine(y), m_lineBg.data(), lineBytes);
    };

    const int nowX = m_frameNowX;

    for (int r = firstRow; r < lastRow; ++r) {
        const TimelineRow &row = m_layout.row(r);
        const int top = roundi((row.y - m_scrollY) * m_dpr);
        const int bottom = roundi((row.y + row.height - m_scrollY) * m_dpr);
        if (top > covered) {
            background(base);
            fillUncovered(covered, top);
        }
        covered = std::max(covered, bottom);
        if (row.kind == TimelineRow::Kind::Header) {
            for (int y = std::max(0, top); y < std::min(H, bottom); ++y) {
                auto *dst = reinterpret_cast<quint32 *>(m_bars.scanLine(y));
                fillLine(dst, 0, W, y == bottom - 1 ? border : window);
            }
            ++m_stats.rects;
            continue;
        }
        const bool odd = row.height >= 8 && ((row.firstLane / std::max(1, row.laneCount)) & 1);
        background(r == m_hoverRow ? (odd ? hoverZebra : hover) : (odd ? zebra : base));

        const RowGeometry &g = rowGeometry(r);
        const RowBox b = rowBox(row, !g.tasks.empty());
        const bool tail = g.tail != Timeline::kNoStyle && nowX > g.builtNowX;
        const std::size_t runCount = g.runs.size() + (tail ? 1 : 0);
        auto runAt = [&](std::size_t i) { return i < g.runs.size() ? g.runs[i] : Run { g.builtNowX, nowX, g.tail }; };

        // Each pixel column of the bar gets a style index (its state, or state | kOutlineBit for the side columns
        // of an outlined run). A scanline is then one gather per pixel from a line per index: a solid line, the
        // pattern line for this phase, the outline line, or the background. The cost is one read and write per
        // pixel however many runs the row has, where a copy per run would cost thousands of tiny copies per
        // scanline on a zoomed-out job.
        constexpr quint8 kOutlineBit = 0x10;
        m_styleAt.assign(std::size_t(W), 0);
        for (std::size_t i = 0; i < runCount; ++i) {
            const Run run = runAt(i);
            const int x0 = std::clamp(run.x0, 0, W);
            const int x1 = std::clamp(run.x1, 0, W);
            if (x1 <= x0)
                continue;
            std::fill(m_styleAt.begin() + x0, m_styleAt.begin() + x1, quint8(run.style));
            if (outline[run.style] && b.outlines && x1 - x0 >= 3) {
                m_styleAt[std::size_t(x0)] = quint8(run.style | kOutlineBit);
                m_styleAt[std::size_t(x1 - 1)] = quint8(run.style | kOutlineBit);
            }
        }
        m_stats.rects += int(runCount);
        if (b.stripH > 0) {
            std::memcpy(m_lineStrip.data(), m_lineBg.data(), lineBytes);
            for (const Run &t : g.tasks) {
                const int x0 = std::clamp(t.x0, 0, W);
                const int x1 = std::clamp(t.x1, 0, W);
                if (x1 > x0)
                    fillLine(m_lineStrip.data(), x0, x1, taskFill[t.style]);
            }
        }

        const int y0 = std::max(0, top);
        const int y1 = std::min(H, bottom);
        const int stripTop = b.barTop + b.barH;
        const int stripBottom = stripTop + b.stripH;
        std::array<const quint32 *, 32> lines {};
        for (int y = y0; y < y1; ++y) {
            auto *dst = reinterpret_cast<quint32 *>(m_bars.scanLine(y));
            if (y < b.barTop || y >= stripBottom) {
                std::memcpy(dst, m_lineBg.data(), lineBytes);
                continue;
            }
            if (y >= stripTop) {
                std::memcpy(dst, m_lineStrip.data(), lineBytes);
                for (const Run &t : g.tasks) {
                    if (!taskOverlay[t.style])
                        continue;
                    const std::size_t index = std::size_t(Timeline::kStyleCount) + t.style;
                    const quint32 *src = patternLine(index, m_taskLooks[t.style].pattern, y);
                    const int x0 = std::max(0, t.x0);
                    const int x1 = std::min(W, t.x1);
                    if (x1 > x0)
                        std::memcpy(dst + x0, src + x0, std::size_t(x1 - x0) * sizeof(quint32));
                }
                continue;
            }
            lines.fill(m_lineBg.data());
            for (int st = 1; st < Timeline::kStyleCount; ++st) {
                const bool thinStyle = b.thin && isQuietOutcome(Style(st));
                const int bandTop = thinStyle ? b.thinTop : b.barTop;
                const int bandBottom = thinStyle ? b.thinTop + b.thinH : b.barTop + b.barH;
                if (y < bandTop || y >= bandBottom)
                    continue; // background
                const bool outlined = outline[std::size_t(st)] && b.outlines;
                if (outlined && (y == bandTop || y == bandBottom - 1)) {
                    lines[std::size_t(st)] = lines[std::size_t(st | kOutlineBit)]
                        = m_solidLines[std::size_t(st) + Timeline::kStyleCount].data();
                    continue;
                }
                lines[std::size_t(st)] = overlay[std::size_t(st)]
                    ? patternLine(std::size_t(st), m_looks[std::size_t(st)].pattern, y)
                    : m_solidLines[std::size_t(st)].data();
                lines[std::size_t(st | kOutlineBit)]
                    = outlined ? m_solidLines[std::size_t(st) + Timeline::kStyleCount].data() : lines[std::size_t(st)];
            }
            const quint8 *styleAt = m_styleAt.data();
            for (int x = 0; x < W; ++x)
                dst[x] = lines[styleAt[x]][x];
        }
    }
    background(base);
    fillUncovered(covered, H);
    blitBars(p);
}

void TimelinePainter::blitBars(QPainter &p) const
{
    const QRect lanes = laneArea();
    const QRect clip = p.hasClipping() ? p.clipBoundingRect().toAlignedRect() : lanes;
    const QRect target = lanes.intersected(clip);
    if (target.isEmpty())
        return;
    const QRectF source((target.left() - lanes.left()) * m_dpr, (target.top() - lanes.top()) * m_dpr,
        target.width() * m_dpr, target.height() * m_dpr);
    const QPainter::CompositionMode mode = p.compositionMode();
    p.setCompositionMode(QPainter::CompositionMode_Source);
    p.drawImage(QRectF(target), m_bars, source);
    p.setCompositionMode(mode);
}

void TimelinePainter::vectorRows(QPainter &p, int firstRow, int lastRow)
{
    // For vector devices (SVG, print): rectangles batched by style, one per run.
    const QRect lanes = laneArea();
    const int leftDev = roundi(lanes.left() * m_dpr);
    const int topDev = roundi(lanes.top() * m_dpr);
    const int nowX = m_frameNowX;
    const QColor zebra = m_theme.color(Theme::Role::AlternateBase);
    QColor hover = m_theme.color(Theme::Role::Highlight);
    hover.setAlphaF(0.45f);
    for (auto &b : m_batches)
        b.clear();
    for (auto &b : m_taskBatches)
        b.clear();
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
    paintGrid(p);
    for (int r = firstRow; r < lastRow; ++r) {
        const TimelineRow &row = m_layout.row(r);
        if (row.kind == TimelineRow::Kind::Header)
            continue;
        const RowGeometry &g = rowGeometry(r);
        const RowBox b = rowBox(row, !g.tasks.empty());
        if (b.barH <= 0)
            continue;
        auto push = [&](Style style, int x0, int x1) {
            if (b.thin && isQuietOutcome(style))
                m_batches[style].push_back(QRect(leftDev + x0, topDev + b.thinTop, x1 - x0, b.thinH));
            else
                m_batches[style].push_back(QRect(leftDev + x0, topDev + b.barTop, x1 - x0, b.barH));
        };
        for (const Run &run : g.runs)
            push(run.style, run.x0, run.x1);
        if (g.tail != Timeline::kNoStyle && nowX > g.builtNowX)
            push(g.tail, g.builtNowX, nowX);
        for (const Run &run : g.tasks)
            m_taskBatches[run.style].push_back(
                QRect(leftDev + run.x0, topDev + b.barTop + b.barH, run.x1 - run.x0, b.stripH));
    }
    p.save();
    p.scale(1.0 / m_dpr, 1.0 / m_dpr);
    p.setRenderHint(QPainter::Antialiasing, false);
    auto drawBatches = [&](auto &batches, const auto &looks) {
        for (std::size_t st = 1; st < batches.size(); ++st) {
            const auto &rects = batches[st];
            if (rects.empty())
                continue;
            const StyleLook &look = looks[st];
            for (const QRect &rc : rects)
                p.fillRect(rc, look.fill);
            if (look.pattern != Qt::NoBrush) {
                const QBrush brush(look.overlay, look.pattern);
                for (const QRect &rc : rects)
                    p.fillRect(rc, brush);
            }
            m_stats.rects += int(rects.size());
        }
    };
    drawBatches(m_batches, m_looks);
    drawBatches(m_taskBatches, m_taskLooks);
    const int minOutline = roundi(7 * m_dpr);
    std::vector<QRect> outlines;
    for (std::size_t st = 1; st < m_batches.size(); ++st) {
        const StyleLook &look = m_looks[st];
        if (!look.outline)
            continue;
        outlines.clear();
        for (const QRect &rc : m_batches[st]) {
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
}

void TimelinePainter::paintBarTexts(QPainter &p, int firstRow, int lastRow) const
{
    // Labels inside wide bars: what the state is and why, and in maintenance each task. Only runs at least
    // 60 px wide get one, so there are few and looking their spans up here costs little.
    const TimelineModel &model = *m_model;
    const QRect lanes = laneArea();
    const int width = laneWidthDev();
    const QFont barFont = scaledFont(p.font(), 0.9);
    const QFontMetrics fm(barFont);
    p.setFont(barFont);
    auto text = [&](const QRect &rect, const QString &label, const QColor &color) {
        p.setPen(color);
        p.drawText(rect, Qt::AlignVCenter | Qt::AlignLeft, fm.elidedText(label, Qt::ElideRight, rect.width()));
    };
    for (int r = firstRow; r < lastRow; ++r) {
        const TimelineRow &row = m_layout.row(r);
        if (row.kind != TimelineRow::Kind::Lane)
            continue;
        const RowGeometry &g = rowGeometry(r);
        const RowBox b = rowBox(row, !g.tasks.empty());
        if (b.barH / m_dpr < fm.height() * 0.9)
            continue;
        const int top = lanes.top() + roundi(b.barTop / m_dpr);
        const int h = roundi(b.barH / m_dpr);
        for (const Run &run : g.runs) {
            const double w = (run.x1 - run.x0) / m_dpr;
            if (w < 60 || isQuietOutcome(run.style))
                continue;
            const qint64 t = Timeline::pixelToTime((run.x0 + run.x1) / 2.0, m_rangeStart, m_rangeEnd, width);
            const int si = model.spanAt(row.firstLane, t);
            if (si < 0)
                continue;
            const TimelineSpan &sp = model.span(row.firstLane, si);
            const QColor color = m_looks[run.style].text;
            if (sp.state == NodeRunState::InMaintenance && !g.tasks.empty()) {
                // In maintenance the tasks say more than the state: name each one wide enough to read.
                for (const Run &tr : g.tasks) {
                    const double tw = (std::min(tr.x1, run.x1) - std::max(tr.x0, run.x0)) / m_dpr;
                    if (tw < 60 || tr.style == 3)
                        continue;
                    const qint64 tt = Timeline::pixelToTime((tr.x0 + tr.x1) / 2.0, m_rangeStart, m_rangeEnd, width);
                    const int ti = model.taskAt(row.firstLane, tt);
                    if (ti >= 0)
                        text(QRect(lanes.left() + roundi(std::max(tr.x0, run.x0) / m_dpr) + 4, top, roundi(tw) - 8, h),
                            model.text(model.task(row.firstLane, ti).name), color);
                }
                continue;
            }
            QString label = displayName(sp.state);
            if (sp.detail != 0 && (isWaiting(sp.state) || isFailure(sp.state) || sp.state == NodeRunState::Cancelled))
                label = QStringLiteral("%1: %2").arg(label, model.text(sp.detail));
            text(QRect(lanes.left() + roundi(run.x0 / m_dpr) + 4, top, roundi(w) - 8, h), label, color);
        }
    }
}

void TimelinePainter::paintHeaderBands(QPainter &p, int firstRow, int lastRow, bool fillBands) const
{
    const TimelineModel &model = *m_model;
    const QRect lanes = laneArea();
    const QFont font = scaledFont(p.font(), 0.95);
    for (int r = firstRow; r < lastRow; ++r) {
        const TimelineRow &row = m_layout.row(r);
        if (row.kind != TimelineRow::Kind::Header)
            continue;
        const QRect band(lanes.left(), lanes.top() + row.y - m_scrollY, lanes.width(), row.height);
        if (fillBands) {
            p.fillRect(band, m_theme.color(Theme::Role::Window));
            p.fillRect(QRect(band.left(), band.bottom(), band.width(), 1), m_theme.color(Theme::Role::Border));
        }
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
        const QDateTime start = QDateTime::fromMSecsSinceEpoch(m_rangeStart);
        QString date = m_rangeStart > 0 ? start.toString(QStringLiteral("ddd d MMM yyyy")) : QString();
        if (fm.horizontalAdvance(date) > lanes.left() - 12)
            date = start.toString(QStringLiteral("d MMM"));
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
                QFontMetrics(bold).elidedText((collapsed ? QStringLiteral("▸ ") : QStringLiteral("▾ ")) + name,
                    Qt::ElideRight, rect.width() - 14));
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
        // A stuck lane is flagged by a mark and bold type as well as colour; the name itself stays whole.
        const QString name = stuck ? QStringLiteral("! ") + lane.node : lane.node;
        p.setPen(stuck ? m_theme.color(Theme::Role::Stuck) : text);
        if (stuck)
            p.setFont(bold);
        p.drawText(QRect(x, rect.top(), rect.width() - x - 6, rect.height()), Qt::AlignVCenter | Qt::AlignLeft,
            QFontMetrics(p.font()).elidedText(name, Qt::ElideMiddle, rect.width() - x - 6));
    }
    p.fillRect(QRect(lanes.left() - 1, lanes.top(), 1, lanes.height()), m_theme.color(Theme::Role::Border));
}

} // namespace Baton
