"""Live sessions: scheduling and participants (`sessions`), where they happen (`providers`: the
interface and the built-in provider; `liveminutes`: 002's API; `registry`: which one), and the
virtual classroom's callbacks (`learncube`, 000)."""
