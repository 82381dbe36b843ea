namespace LmsCloud.Api.Http;

/// <summary>One page of a list endpoint: the items, where we are, and how many there are in all.</summary>
public sealed record PagedList<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);
