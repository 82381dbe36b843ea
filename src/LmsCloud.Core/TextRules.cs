namespace LmsCloud.Core;

public static class TextRules
{
    /// <summary>
    /// Whether the text holds a control character: NUL, which PostgreSQL text cannot store at all (it refuses the whole
    /// statement, SQLSTATE 22021), or another that has no place in a one-line value such as a name, an email address or
    /// a file name (tabs, line breaks, escapes).
    /// </summary>
    public static bool HasControlCharacters(string text) => text.Any(char.IsControl);
}
