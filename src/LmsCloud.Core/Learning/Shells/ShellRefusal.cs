namespace LmsCloud.Core.Learning.Shells;

/// <summary>
/// A request the learning services refuse, with the HTTP status it maps to: 400 bad input, 403 not allowed, 404 not
/// found (or not visible to the caller), 409 an illegal state move (an archived shell is read-only). The message is
/// written for the person who asked.
/// </summary>
public sealed class ShellRefusal(int status, string title, string detail, IDictionary<string, string[]>? errors = null) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public IDictionary<string, string[]>? Errors { get; } = errors;

    public static ShellRefusal Invalid(string field, string message) =>
        new(400, "Invalid request", message, new Dictionary<string, string[]> { [field] = [message] });

    public static ShellRefusal NotFound(string what) => new(404, $"{what} not found", $"No such {what.ToLowerInvariant()} in a course you can see.");

    public static ShellRefusal Forbidden(string detail) => new(403, "Forbidden", detail);

    public static ShellRefusal Conflict(string detail) => new(409, "Conflict", detail);
}
