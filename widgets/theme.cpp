#include "widgets/theme.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <QFont>
#include <QPainter>
#include <QPainterPath>
#include <QRectF>

namespace Baton {

namespace {

// Node-run hues follow the Okabe–Ito palette, which stays distinguishable for the common colour-vision
// deficiencies; the dark variant lifts lightness so the same hue reads on a dark background.
struct StateHues
{
    QColor light;
    QColor dark;
};

constexpr int kStates = kNodeRunStateCount;

const std::array<StateHues, kStates> &nodeRunHues()
{
    static const std::array<StateHues, kStates> hues { {
        { QColor(0x8c, 0x95, 0x9f), QColor(0x8b, 0x94, 0x9e) }, // queued
        { QColor(0x6e, 0x77, 0x81), QColor(0xa0, 0xa8, 0xb2) }, // waiting_for_node
        { QColor(0x56, 0xb4, 0xe9), QColor(0x6c, 0xc4, 0xf5) }, // starting
        { QColor(0xe6, 0x9f, 0x00), QColor(0xf2, 0xb2, 0x2a) }, // waiting_for_slot
        { QColor(0x00, 0x72, 0xb2), QColor(0x3d, 0x9b, 0xe0) }, // in_maintenance
        { QColor(0xcc, 0x79, 0xa7), QColor(0xdc, 0x92, 0xbc) }, // verifying
        { QColor(0x00, 0x9e, 0x73), QColor(0x2b, 0xc2, 0x93) }, // succeeded
        { QColor(0xd5, 0x5e, 0x00), QColor(0xf0, 0x74, 0x1a) }, // failed
        { QColor(0x57, 0x60, 0x6a), QColor(0x7d, 0x85, 0x90) }, // cancelled
        { QColor(0xa3, 0x3b, 0x00), QColor(0xe0, 0x5a, 0x3a) }, // timed_out
        { QColor(0x8e, 0x3a, 0x80), QColor(0xc0, 0x6c, 0xb2) }, // unreachable
    } };
    return hues;
}

const Theme *&currentTheme()
{
    static const Theme *theme = nullptr;
    return theme;
}

QColor mix(const QColor &a, const QColor &b, double t)
{
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
        float(a.blueF() * (1 - t) + b.blueF() * t));
}

// Black or white, whichever reads better on `background` (WCAG relative luminance, threshold near 0.18).
QColor textOn(const QColor &background)
{
    auto channel = [](double c) { return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    const double l = 0.2126 * channel(background.redF()) + 0.7152 * channel(background.greenF())
        + 0.0722 * channel(background.blueF());
    return l > 0.18 ? QColor(0x1f, 0x23, 0x28) : QColor(0xff, 0xff, 0xff);
}

} // namespace

Theme::Theme(Variant variant)
    : m_variant(variant)
{ }

Theme Theme::light()
{
    return Theme(Variant::Light);
}

Theme Theme::dark()
{
    return Theme(Variant::Dark);
}

Theme Theme::forVariant(Variant variant)
{
    return Theme(variant);
}

const Theme &Theme::current()
{
    static const Theme fallback = Theme::light();
    const Theme *t = currentTheme();
    return t ? *t : fallback;
}

void Theme::setCurrent(const Theme &theme)
{
    // Two static instances so current() hands out a reference that stays valid across switches.
    static const Theme lightTheme = Theme::light();
    static const Theme darkTheme = Theme::dark();
    currentTheme() = theme.isDark() ? &darkTheme : &lightTheme;
}

QString Theme::variantName(Variant variant)
{
    return variant == Variant::Dark ? QStringLiteral("dark") : QStringLiteral("light");
}

std::optional<Theme::Variant> Theme::variantFromName(QStringView name)
{
    if (name == u"light")
        return Variant::Light;
    if (name == u"dark")
        return Variant::Dark;
    return std::nullopt;
}

QColor Theme::color(Role role) const
{
    const bool d = isDark();
    switch (role) {
    case Role::Window:
        return d ? QColor(0x22, 0x27, 0x2e) : QColor(0xf6, 0xf8, 0xfa);
    case Role::Base:
        return d ? QColor(0x0d, 0x11, 0x17) : QColor(0xff, 0xff, 0xff);
    case Role::AlternateBase:
        return d ? QColor(0x16, 0x1b, 0x22) : QColor(0xf3, 0xf5, 0xf7);
    case Role::Text:
        return d ? QColor(0xe6, 0xed, 0xf3) : QColor(0x1f, 0x23, 0x28);
    case Role::MutedText:
        return d ? QColor(0x8d, 0x96, 0xa0) : QColor(0x59, 0x63, 0x6e);
    case Role::Border:
        return d ? QColor(0x3d, 0x44, 0x4d) : QColor(0xd0, 0xd7, 0xde);
    case Role::Grid:
        return d ? QColor(0x30, 0x36, 0x3d) : QColor(0xe1, 0xe4, 0xe8);
    case Role::Highlight:
        return d ? QColor(0x1f, 0x4e, 0x8c) : QColor(0xcc, 0xe0, 0xff);
    case Role::HighlightedText:
        return d ? QColor(0xff, 0xff, 0xff) : QColor(0x0b, 0x1f, 0x3a);
    case Role::Link:
        return d ? QColor(0x58, 0xa6, 0xff) : QColor(0x09, 0x69, 0xda);
    case Role::Ok:
        return nodeRunColor(NodeRunState::Succeeded);
    case Role::Warning:
        return nodeRunColor(NodeRunState::WaitingForSlot);
    case Role::Critical:
        return d ? QColor(0xf8, 0x51, 0x49) : QColor(0xcf, 0x22, 0x2e);
    case Role::Info:
        return nodeRunColor(NodeRunState::InMaintenance);
    case Role::Neutral:
        return nodeRunColor(NodeRunState::Queued);
    case Role::NowLine:
        return d ? QColor(0xff, 0xd3, 0x3d) : QColor(0xd4, 0x1e, 0x8c);
    case Role::ProductionAccent:
        return d ? QColor(0xda, 0x36, 0x33) : QColor(0xb3, 0x1d, 0x28);
    case Role::ProductionText:
        return QColor(0xff, 0xff, 0xff);
    case Role::ReadOnlyAccent:
        return d ? QColor(0x6e, 0x76, 0x81) : QColor(0x57, 0x60, 0x6a);
    case Role::Orphaned:
        return d ? QColor(0xd2, 0x99, 0x22) : QColor(0x9a, 0x67, 0x00);
    case Role::Stuck:
        return d ? QColor(0xff, 0x7b, 0x72) : QColor(0xa4, 0x0e, 0x26);
    case Role::ChartSeries1:
        return nodeRunColor(NodeRunState::InMaintenance);
    case Role::ChartSeries2:
        return nodeRunColor(NodeRunState::WaitingForSlot);
    case Role::ChartSeries3:
        return nodeRunColor(NodeRunState::Succeeded);
    case Role::ChartSeries4:
        return nodeRunColor(NodeRunState::Verifying);
    }
    return d ? QColor(Qt::white) : QColor(Qt::black);
}

QColor Theme::nodeRunColor(NodeRunState state) const
{
    const StateHues &h = nodeRunHues()[std::size_t(state)];
    return isDark() ? h.dark : h.light;
}

NodeRunStyle Theme::nodeRunStyle(NodeRunState state) const
{
    NodeRunStyle s;
    s.color = nodeRunColor(state);
    s.text = textOn(s.color);
    switch (state) {
    case NodeRunState::Queued:
        s.fill = NodeRunStyle::Fill::Hollow;
        s.pattern = Qt::NoBrush;
        s.glyph = QChar(0x00b7); // ·
        s.shortLabel = QStringLiteral("Q");
        break;
    case NodeRunState::WaitingForNode:
        s.fill = NodeRunStyle::Fill::Dotted;
        s.pattern = Qt::Dense6Pattern;
        s.glyph = QChar(0x2026); // …
        s.shortLabel = QStringLiteral("WN");
        break;
    case NodeRunState::Starting:
        s.fill = NodeRunStyle::Fill::Solid;
        s.glyph = QChar(0x25b8); // ▸
        s.shortLabel = QStringLiteral("ST");
        break;
    case NodeRunState::WaitingForSlot:
        s.fill = NodeRunStyle::Fill::Hatched;
        s.pattern = Qt::BDiagPattern;
        s.glyph = QChar(0x29d6); // ⧖
        s.shortLabel = QStringLiteral("WS");
        break;
    case NodeRunState::InMaintenance:
        s.fill = NodeRunStyle::Fill::Solid;
        s.glyph = QChar(0x2692); // ⚒
        s.shortLabel = QStringLiteral("MNT");
        break;
    case NodeRunState::Verifying:
        s.fill = NodeRunStyle::Fill::Hatched;
        s.pattern = Qt::HorPattern;
        s.glyph = QChar(0x2026); // …
        s.shortLabel = QStringLiteral("VER");
        break;
    case NodeRunState::Succeeded:
        s.fill = NodeRunStyle::Fill::Solid;
        s.glyph = QChar(0x2713); // ✓
        s.shortLabel = QStringLiteral("ok");
        break;
    case NodeRunState::Failed:
        s.fill = NodeRunStyle::Fill::Solid;
        s.glyph = QChar(0x2715); // ✕
        s.shortLabel = QStringLiteral("F");
        break;
    case NodeRunState::Cancelled:
        s.fill = NodeRunStyle::Fill::Hatched;
        s.pattern = Qt::FDiagPattern;
        s.glyph = QChar(0x2298); // ⊘
        s.shortLabel = QStringLiteral("C");
        break;
    case NodeRunState::TimedOut:
        s.fill = NodeRunStyle::Fill::Solid;
        s.glyph = QChar(0x29d7); // ⧗
        s.shortLabel = QStringLiteral("TO");
        break;
    case NodeRunState::Unreachable:
        s.fill = NodeRunStyle::Fill::Solid;
        s.glyph = QLatin1Char('?');
        s.shortLabel = QStringLiteral("UR");
        break;
    }
    if (s.fill != NodeRunStyle::Fill::Solid)
        s.text = isDark() ? color(Role::Text) : QColor(0x1f, 0x23, 0x28);
    return s;
}

QColor Theme::jobStateColor(JobState state) const
{
    switch (state) {
    case JobState::Queued:
        return nodeRunColor(NodeRunState::Queued);
    case JobState::Running:
        return nodeRunColor(NodeRunState::InMaintenance);
    case JobState::Cancelling:
        return nodeRunColor(NodeRunState::WaitingForSlot);
    case JobState::Succeeded:
        return nodeRunColor(NodeRunState::Succeeded);
    case JobState::PartiallyFailed:
        return mix(nodeRunColor(NodeRunState::WaitingForSlot), nodeRunColor(NodeRunState::Failed), 0.5);
    case JobState::Failed:
        return nodeRunColor(NodeRunState::Failed);
    case JobState::Cancelled:
        return nodeRunColor(NodeRunState::Cancelled);
    }
    return color(Role::Neutral);
}

QColor Theme::gradedJobColor(const NodeCounts &counts, JobState state) const
{
    const int total = counts.total();
    const int failures = counts.failures();
    if (total <= 0 || failures == 0)
        return jobStateColor(state);
    // Square root so a first failure is already visible (1 of 40 ≈ 16 % of the way) while the hue only reaches
    // full red when (nearly) everything failed.
    const double share = std::sqrt(double(failures) / double(total));
    const QColor amber = nodeRunColor(NodeRunState::WaitingForSlot);
    const QColor red = nodeRunColor(NodeRunState::Failed);
    return mix(amber, red, share);
}

QPalette Theme::palette() const
{
    QPalette p;
    p.setColor(QPalette::Window, color(Role::Window));
    p.setColor(QPalette::WindowText, color(Role::Text));
    p.setColor(QPalette::Base, color(Role::Base));
    p.setColor(QPalette::AlternateBase, color(Role::AlternateBase));
    p.setColor(QPalette::ToolTipBase, color(Role::Base));
    p.setColor(QPalette::ToolTipText, color(Role::Text));
    p.setColor(QPalette::PlaceholderText, color(Role::MutedText));
    p.setColor(QPalette::Text, color(Role::Text));
    p.setColor(QPalette::Button, color(Role::Window));
    p.setColor(QPalette::ButtonText, color(Role::Text));
    p.setColor(QPalette::BrightText, color(Role::Critical));
    p.setColor(QPalette::Highlight, color(Role::Highlight));
    p.setColor(QPalette::HighlightedText, color(Role::HighlightedText));
    p.setColor(QPalette::Link, color(Role::Link));
    p.setColor(QPalette::LinkVisited, color(Role::Link));
    p.setColor(QPalette::Light, isDark() ? color(Role::Border).lighter(130) : QColor(Qt::white));
    p.setColor(QPalette::Midlight, color(Role::Border));
    p.setColor(QPalette::Mid, color(Role::Border).darker(120));
    p.setColor(QPalette::Dark, color(Role::Border).darker(150));
    p.setColor(QPalette::Shadow, QColor(0, 0, 0, isDark() ? 160 : 60));
    const QColor disabledText = color(Role::MutedText);
    for (QPalette::ColorRole r : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, r, disabledText);
    return p;
}

void Theme::paintNodeRunSwatch(QPainter &painter, const QRectF &rect, NodeRunState state, bool withGlyph) const
{
    if (rect.isEmpty())
        return;
    const NodeRunStyle s = nodeRunStyle(state);
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing, false);
    switch (s.fill) {
    case NodeRunStyle::Fill::Solid:
        painter.fillRect(rect, s.color);
        break;
    case NodeRunStyle::Fill::Hollow:
        break;
    case NodeRunStyle::Fill::Hatched:
    case NodeRunStyle::Fill::Dotted: {
        painter.fillRect(rect, mix(color(Role::Base), s.color, 0.25));
        QBrush overlay(s.color, s.pattern);
        // Keep the hatch anchored to the widget, not to each rect, so adjacent spans line up.
        overlay.setTransform(QTransform());
        painter.fillRect(rect, overlay);
        break;
    }
    }
    if (s.fill != NodeRunStyle::Fill::Solid && rect.width() >= 3 && rect.height() >= 3) {
        painter.setPen(QPen(s.color, 1));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5));
    }
    if (withGlyph && !s.glyph.isNull() && rect.width() >= rect.height() * 0.9 && rect.height() >= 9) {
        painter.setRenderHint(QPainter::TextAntialiasing, true);
        QFont f = painter.font();
        f.setPixelSize(std::max(8, int(rect.height() * 0.7)));
        f.setBold(true);
        painter.setFont(f);
        painter.setPen(s.text);
        painter.drawText(rect, Qt::AlignCenter, QString(s.glyph));
    }
    painter.restore();
}

void Theme::paintCountsBar(QPainter &painter, const QRectF &rect, const NodeCounts &counts) const
{
    const int total = counts.total();
    if (total <= 0 || rect.isEmpty())
        return;
    // Parts in reading order: what is done well, what went wrong, what was stopped, what runs, what waits.
    struct Part
    {
        int n;
        NodeRunState look;
    };
    const std::array<Part, 7> parts { {
        { counts.succeeded(), NodeRunState::Succeeded },
        { counts[NodeRunState::Failed] + counts[NodeRunState::TimedOut], NodeRunState::Failed },
        { counts[NodeRunState::Unreachable], NodeRunState::Unreachable },
        { counts.cancelled(), NodeRunState::Cancelled },
        { counts.active(), NodeRunState::InMaintenance },
        { counts[NodeRunState::WaitingForSlot] + counts[NodeRunState::WaitingForNode], NodeRunState::WaitingForSlot },
        { counts[NodeRunState::Queued], NodeRunState::Queued },
    } };
    // At least two pixels per non-empty part, so one failure among thousands still shows; the pixels that costs
    // are taken from the widest part.
    const double unit = rect.width() / double(total);
    std::array<double, parts.size()> widths {};
    double sum = 0;
    std::size_t widest = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (parts[i].n <= 0)
            continue;
        widths[i] = std::max(2.0, unit * parts[i].n);
        sum += widths[i];
        if (widths[i] > widths[widest])
            widest = i;
    }
    if (sum > rect.width())
        widths[widest] = std::max(0.0, widths[widest] - (sum - rect.width()));
    double x = rect.left();
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (widths[i] <= 0)
            continue;
        const QRectF r(x, rect.top(), widths[i], rect.height());
        paintNodeRunSwatch(painter, r.adjusted(0, 0, r.width() > 3 ? -1 : 0, 0), parts[i].look, false);
        x += widths[i];
    }
}

} // namespace Baton
