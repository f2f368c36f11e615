#include "widgets/profilebanner.h"

#include "widgets/theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>

namespace Baton {

ProfileBanner::ProfileBanner(QWidget *parent)
    : QWidget(parent)
    , m_label(new QLabel(this))
{
    setObjectName(QStringLiteral("profileBanner"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 3, 8, 3);
    layout->addWidget(m_label, 1);
    QFont f = m_label->font();
    f.setBold(true);
    m_label->setFont(f);
    m_label->setAlignment(Qt::AlignCenter);
    hide();
}

void ProfileBanner::setProfile(const QString &name, bool production, bool readOnly)
{
    m_production = production;
    m_readOnly = readOnly;
    QStringList parts;
    if (production)
        parts << QStringLiteral("PRODUCTION — %1").arg(name);
    else
        parts << name;
    if (readOnly)
        parts << QStringLiteral("read-only: launching, cancelling and tuning are off");
    m_label->setText(parts.join(QStringLiteral(" · ")));
    const Theme &t = Theme::current();
    QPalette p = m_label->palette();
    p.setColor(QPalette::WindowText,
        production || readOnly ? t.color(Theme::Role::ProductionText) : t.color(Theme::Role::Text));
    m_label->setPalette(p);
    setVisible(production || readOnly);
    update();
}

QString ProfileBanner::text() const
{
    return isVisible() || !isHidden() ? m_label->text() : QString();
}

void ProfileBanner::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const Theme &t = Theme::current();
    const QColor band = m_production ? t.color(Theme::Role::ProductionAccent) : t.color(Theme::Role::ReadOnlyAccent);
    p.fillRect(rect(), band);
    if (m_production && m_readOnly) {
        // Hatch the read-only part so the two marks stay apart without relying on hue.
        p.fillRect(rect(), QBrush(t.color(Theme::Role::ReadOnlyAccent), Qt::BDiagPattern));
    }
}

} // namespace Baton
