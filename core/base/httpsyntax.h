#pragma once

// The two character classes every HTTP parser of the tree needs (the job service's request checks and
// consul-sim's own server), defined once so they cannot drift apart.
namespace Baton::HttpSyntax {

// RFC 9110 §5.6.2 `tchar`: the characters of a token (method, header name).
constexpr bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

// The value of a hexadecimal digit (percent-escapes, chunk sizes), or -1 for anything else.
constexpr int hexDigitValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace Baton::HttpSyntax
