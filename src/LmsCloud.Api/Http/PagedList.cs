using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Api.Http;

/// <summary>One page of a list endpoint: the items, where we are, and how many there are in all.</summary>
public sealed record PagedList<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

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
    /// is empty, however far (<see cref="PagedList.CreateAsync"/>).
    /// </summary>
    public Dictionary<string, string[]> Validate(int maxPageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (Page < 1) errors["page"] = [$"page counts from 1; {Page} is not a page."];
        if (Size < 1 || Size > maxPageSize) errors["pageSize"] = [$"pageSize must be 1 to {maxPageSize}; it was {Size}."];
        return errors;
    }
}

public static class PagedList
{
    /// <summary>
    /// The requested page of an ordered query, mapped. The offset is computed in <c>long</c> and compared with the
    /// count first, so a page far past the end (<c>page=2147483647</c>) is an empty page, never an overflowed OFFSET.
    /// </summary>
    public static async Task<PagedList<TOut>> CreateAsync<TIn, TOut>(IQueryable<TIn> query, PageRequest request, Func<TIn, TOut> map,
        CancellationToken ct)
    {
        // Endpoints answer these with a validation problem (PageRequest.Validate) before they get here.
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Size, 1);
        var total = await query.CountAsync(ct);
        var offset = (long)(request.Page - 1) * request.Size;
        var items = offset >= total ? [] : await query.Skip((int)offset).Take(request.Size).ToListAsync(ct);
        return new PagedList<TOut>(items.Select(map).ToList(), request.Page, request.Size, total);
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
