#include "widgets/connectionindicator.h"

#include "models/connectionstatusmodel.h"
#include "widgets/theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>

namespace Baton {

namespace {
// A glyph per state so the status reads without colour: ● up, ◐ degraded or connecting, ✕ down, ⚿ token, ○ off.
QPair<QString, Theme::Role> look(ConnectionStatusModel::State s)
{
    using State = ConnectionStatusModel::State;
    switch (s) {
    case State::Up:
        return { QStringLiteral("●"), Theme::Role::Ok };
    case State::Degraded:
        return { QStringLiteral("◐"), Theme::Role::Warning };
    case State::Connecting:
        return { QStringLiteral("◌"), Theme::Role::MutedText };
    case State::Down:
        return { QStringLiteral("✕"), Theme::Role::Critical };
    case State::Unauthorized:
        return { QStringLiteral("⚿"), Theme::Role::Critical };
    case State::Off:
        return { QStringLiteral("○"), Theme::Role::MutedText };
    }
    return { QStringLiteral("?"), Theme::Role::MutedText };
}
} // namespace

ConnectionIndicator::ConnectionIndicator(ConnectionStatusModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    setObjectName(QStringLiteral("connectionIndicator"));
    setCursor(Qt::PointingHandCursor);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(14);
    for (int i = 0; i < ConnectionStatusModel::kLinkCount; ++i) {
        auto *l = new QLabel(this);
        l->setTextFormat(Qt::RichText);
        m_labels << l;
        layout->addWidget(l);
    }
    connect(model, &QAbstractItemModel::dataChanged, this, &ConnectionIndicator::refresh);
    refresh();
}

void ConnectionIndicator::refresh()
{
    const Theme &t = Theme::current();
    for (int i = 0; i < ConnectionStatusModel::kLinkCount; ++i) {
        const auto link = ConnectionStatusModel::Link(i);
        const ConnectionStatusModel::Status &s = m_model->status(link);
        const auto [glyph, role] = look(s.state);
        QString text = QStringLiteral("<span style=\"color:%1\">%2</span> %3: %4")
                           .arg(t.color(role).name(), glyph, ConnectionStatusModel::linkName(link).toHtmlEscaped(),
                               ConnectionStatusModel::stateName(s.state).toHtmlEscaped());
        if (s.state == ConnectionStatusModel::State::Up && s.latencyMs >= 0)
            text += QStringLiteral(" <span style=\"color:%1\">%2 ms</span>")
                        .arg(t.color(Theme::Role::MutedText).name())
                        .arg(s.latencyMs);
        if (!s.detail.isEmpty())
            text += QStringLiteral(" <span style=\"color:%1\">(%2)</span>")
                        .arg(t.color(Theme::Role::MutedText).name(), s.detail.toHtmlEscaped());
        m_labels[i]->setText(text);
        m_labels[i]->setToolTip(m_model->index(i, 0).data(Qt::ToolTipRole).toString());
    }
}

QString ConnectionIndicator::summaryText() const
{
    QStringList parts;
    for (int i = 0; i < ConnectionStatusModel::kLinkCount; ++i) {
        const auto link = ConnectionStatusModel::Link(i);
        parts << QStringLiteral("%1: %2").arg(
            ConnectionStatusModel::linkName(link), ConnectionStatusModel::stateName(m_model->status(link).state));
    }
    return parts.join(QStringLiteral(" · "));
}

void ConnectionIndicator::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton)
        Q_EMIT clicked();
    QWidget::mousePressEvent(event);
}

} // namespace Baton
