#include "widgets/jobfilterbar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>

namespace Baton {

namespace {
// Items of the state combo: a label and the states it stands for (none: any).
struct StateChoice
{
    QString label;
    QSet<JobState> states;
};

QList<StateChoice> stateChoices()
{
    QList<StateChoice> out { { QStringLiteral("All states"), {} },
        { QStringLiteral("Active"), JobFilter::activeStates() },
        { QStringLiteral("Problems"), JobFilter::problemStates() } };
    for (JobState s : { JobState::Queued, JobState::Running, JobState::Cancelling, JobState::Succeeded,
             JobState::PartiallyFailed, JobState::Failed, JobState::Cancelled })
        out.append({ displayName(s), { s } });
    return out;
}
} // namespace

JobFilterBar::JobFilterBar(QWidget *parent)
    : QWidget(parent)
    , m_state(new QComboBox(this))
    , m_playbook(new QComboBox(this))
    , m_service(new QComboBox(this))
    , m_text(new QLineEdit(this))
    , m_summary(new QLabel(this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    for (const StateChoice &c : stateChoices())
        m_state->addItem(c.label);
    m_state->setObjectName(QStringLiteral("stateFilter"));
    m_playbook->setObjectName(QStringLiteral("playbookFilter"));
    m_service->setObjectName(QStringLiteral("serviceFilter"));
    m_text->setObjectName(QStringLiteral("textFilter"));
    fillCombo(m_playbook, QStringLiteral("All playbooks"), {});
    fillCombo(m_service, QStringLiteral("All services"), {});
    m_text->setPlaceholderText(QStringLiteral("Search id, playbook, target, operator…"));
    m_text->setClearButtonEnabled(true);
    m_summary->setObjectName(QStringLiteral("jobSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_state);
    layout->addWidget(m_playbook);
    layout->addWidget(m_service);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_summary);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(300);
    connect(&m_debounce, &QTimer::timeout, this, [this] { Q_EMIT filterChanged(filter()); });
    auto now = [this] {
        if (!m_updating)
            Q_EMIT filterChanged(filter());
    };
    connect(m_state, &QComboBox::currentIndexChanged, this, now);
    connect(m_playbook, &QComboBox::currentIndexChanged, this, now);
    connect(m_service, &QComboBox::currentIndexChanged, this, now);
    connect(m_text, &QLineEdit::textChanged, this, &JobFilterBar::emitSoon);
}

void JobFilterBar::emitSoon()
{
    if (!m_updating)
        m_debounce.start();
}

void JobFilterBar::fillCombo(QComboBox *combo, const QString &anyText, const QStringList &items)
{
    const QString current = combo->currentIndex() > 0 ? combo->currentText() : QString();
    combo->clear();
    combo->addItem(anyText);
    combo->addItems(items);
    const int i = current.isEmpty() ? 0 : combo->findText(current);
    if (i > 0) {
        combo->setCurrentIndex(i);
    } else if (!current.isEmpty()) {
        // Keep a filter the list no longer offers visible rather than silently dropping it.
        combo->addItem(current);
        combo->setCurrentIndex(combo->count() - 1);
    }
}

JobFilter JobFilterBar::filter() const
{
    JobFilter f;
    const QList<StateChoice> choices = stateChoices();
    const int s = m_state->currentIndex();
    if (s > 0 && s < choices.size())
        f.states = choices[s].states;
    if (m_playbook->currentIndex() > 0)
        f.playbook = m_playbook->currentText();
    if (m_service->currentIndex() > 0)
        f.service = m_service->currentText();
    f.text = m_text->text().trimmed();
    return f;
}

void JobFilterBar::setFilter(const JobFilter &f)
{
    m_updating = true;
    const QList<StateChoice> choices = stateChoices();
    int s = 0;
    for (int i = 0; i < choices.size(); ++i) {
        if (choices[i].states == f.states)
            s = i;
    }
    m_state->setCurrentIndex(s);
    auto pick = [](QComboBox *combo, const QString &value) {
        if (value.isEmpty()) {
            combo->setCurrentIndex(0);
            return;
        }
        int i = combo->findText(value);
        if (i <= 0) {
            combo->addItem(value);
            i = combo->count() - 1;
        }
        combo->setCurrentIndex(i);
    };
    pick(m_playbook, f.playbook);
    pick(m_service, f.service);
    m_text->setText(f.text);
    m_updating = false;
}

void JobFilterBar::setPlaybooks(const QStringList &playbooks)
{
    m_updating = true;
    fillCombo(m_playbook, QStringLiteral("All playbooks"), playbooks);
    m_updating = false;
}

void JobFilterBar::setServices(const QStringList &services)
{
    m_updating = true;
    fillCombo(m_service, QStringLiteral("All services"), services);
    m_updating = false;
}

void JobFilterBar::setSummary(const QString &text)
{
    m_summary->setText(text);
}

void JobFilterBar::focusText()
{
    m_text->setFocus(Qt::ShortcutFocusReason);
    m_text->selectAll();
}

} // namespace Baton
