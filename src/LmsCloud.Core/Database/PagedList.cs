using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Database;

/// <summary>One page of a list (an endpoint's or a page's): the items, where we are, and how many there are in all.</summary>
public sealed record PagedList<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

public static class PagedList
{
    /// <summary>
    /// The requested page of an ordered query, mapped. The offset is computed in <c>long</c> and compared with the
    /// count first, so a page far past the end (<c>page=2147483647</c>) is an empty page, never an overflowed OFFSET.
    /// Callers validate page and size first (the API answers a bad one with a validation problem).
    /// </summary>
    public static async Task<PagedList<TOut>> CreateAsync<TIn, TOut>(IQueryable<TIn> query, int page, int pageSize, Func<TIn, TOut> map,
        CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var total = await query.CountAsync(ct);
        var offset = (long)(page - 1) * pageSize;
        var items = offset >= total ? [] : await query.Skip((int)offset).Take(pageSize).ToListAsync(ct);
        return new PagedList<TOut>(items.Select(map).ToList(), page, pageSize, total);
    }
}
