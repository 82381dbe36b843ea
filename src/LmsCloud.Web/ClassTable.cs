using LmsCloud.Core.Rostering;

namespace LmsCloud.Web;

/// <summary>What the shared class table (<c>Pages/Shared/_ClassTable.cshtml</c>) shows; <see cref="Id"/> names its caption.</summary>
public sealed record ClassTable(string Caption, IReadOnlyList<MyClassResponse> Classes, bool ShowRole, string Id = "classes-caption");
