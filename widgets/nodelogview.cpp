#include "widgets/nodelogview.h"

#include "models/nodelogbuffer.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QVBoxLayout>

namespace Baton {

NodeLogView::NodeLogView(QWidget *parent)
    : QWidget(parent)
    , m_text(new QPlainTextEdit(this))
    , m_follow(new QCheckBox(QStringLiteral("Follow"), this))
    , m_status(new QLabel(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_status, 1);
    bar->addWidget(m_follow);
    layout->addLayout(bar);
    layout->addWidget(m_text, 1);
    m_text->setReadOnly(true);
    m_text->setObjectName(QStringLiteral("nodeLog"));
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    // The buffer bounds bytes; the document bounds lines, so a log of tiny lines stays cheap too.
    m_text->setMaximumBlockCount(100000);
    m_text->setPlaceholderText(QStringLiteral("Select a node to see its output."));
    m_follow->setChecked(true);
    m_status->setObjectName(QStringLiteral("nodeLogStatus"));
    connect(m_text->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        QScrollBar *scroll = m_text->verticalScrollBar();
        if (value < scroll->maximum() && m_follow->isChecked() && scroll->isSliderDown())
            m_follow->setChecked(false);
    });
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
    });
}

void NodeLogView::setBuffer(NodeLogBuffer *buffer)
{
    if (m_buffer)
        m_buffer->disconnect(this);
    m_buffer = buffer;
    if (m_buffer) {
        connect(m_buffer, &NodeLogBuffer::appended, this, &NodeLogView::append);
        connect(m_buffer, &NodeLogBuffer::reset, this, &NodeLogView::reload);
    }
    reload();
}

void NodeLogView::reload()
{
    m_text->setPlainText(m_buffer ? m_buffer->text() : QString());
    if (m_follow->isChecked())
        m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
}

void NodeLogView::append(const QString &text)
{
    QTextCursor c(m_text->document());
    c.movePosition(QTextCursor::End);
    c.insertText(text);
    if (m_follow->isChecked())
        m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
}

void NodeLogView::setStatus(const QString &text)
{
    m_status->setText(text);
}

bool NodeLogView::isFollowing() const
{
    return m_follow->isChecked();
}

QString NodeLogView::plainText() const
{
    return m_text->toPlainText();
}

} // namespace Baton
