using Microsoft.AspNetCore.Mvc;
using LmsCloud.Core.Database;

namespace LmsCloud.Api.Http;

/// <summary>
/// <c>?page=&amp;pageSize=</c> of every list endpoint, bound with <c>[AsParameters]</c>: pages count from 1, and each
/// endpoint says how large a page may be (<see cref="Validate"/>) and, if not 100, how large it is by default.
/// </summary>
public sealed record PageRequest([FromQuery(Name = "page")] int Page = 1, [FromQuery(Name = "pageSize")] int? PageSize = null)
{
    public const int DefaultSize = 100;

    /// <summary>The size asked for, or the default.</summary>
    public int Size => PageSize ?? DefaultSize;

    /// <summary>This request with the endpoint's own default size when the client asked for none.</summary>
    public PageRequest WithDefaultSize(int size) => PageSize == null ? this with { PageSize = size } : this;

    /// <summary>
    /// Field errors for a 400 validation problem; empty when the request is fine. A page past the end is no error: it
    /// is empty, however far (<see cref="PagedList.CreateAsync"/> in Core).
    /// </summary>
    public Dictionary<string, string[]> Validate(int maxPageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (Page < 1) errors["page"] = [$"page counts from 1; {Page} is not a page."];
        if (Size < 1 || Size > maxPageSize) errors["pageSize"] = [$"pageSize must be 1 to {maxPageSize}; it was {Size}."];
        return errors;
    }
}

/// <summary>Text filters of list endpoints (<c>?q=</c>, <c>?action=</c>...).</summary>
public static class TextFilter
{
    /// <summary>
    /// Adds a field error for each filter holding NUL: PostgreSQL text cannot hold it, so the query would fail
    /// (SQLSTATE 22021) rather than match nothing.
    /// </summary>
    public static void Check(Dictionary<string, string[]> errors, params (string Name, string? Value)[] filters)
    {
        foreach (var (name, value) in filters)
            if (value?.Contains('\0') == true) errors[name] = [$"{name} may not contain NUL (U+0000)."];
    }
}
