using Microsoft.AspNetCore.Http;

namespace LmsCloud.Web;

/// <summary>Previous/next links of a paged list that keep the page's filters in the query string.</summary>
public sealed record Pager(string Path, int Page, int PageSize, int Total, IReadOnlyDictionary<string, string?> Filters)
{
    public int Pages => Math.Max(1, (int)Math.Ceiling(Total / (double)PageSize));
    public string? PreviousUrl => Page > 1 ? UrlOf(Math.Min(Page - 1, Pages)) : null;
    public string? NextUrl => (long)Page * PageSize < Total ? UrlOf(Page + 1) : null;
    public int First => Total == 0 ? 0 : (int)Math.Min(Total, (long)(Page - 1) * PageSize + 1);
    public int Last => (int)Math.Min(Total, (long)Page * PageSize);

    string UrlOf(int page) => Path + QueryString.Create(Filters.Where(f => !string.IsNullOrEmpty(f.Value))
        .Append(new KeyValuePair<string, string?>("page", page.ToString())));
}
