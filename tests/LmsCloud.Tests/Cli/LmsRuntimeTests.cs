using System.Text.Json;
using LmsCloud.Core.Database;

namespace LmsCloud.Tests.Cli;

/// <summary><c>lms</c> is an operator's tool: it must run where only the .NET runtime is installed, without the web host.</summary>
public sealed class LmsRuntimeTests
{
    [Fact]
    public void Lms_needs_only_the_dotnet_runtime_and_does_not_carry_the_web_host()
    {
        using var runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "lms.runtimeconfig.json")));
        var options = runtimeConfig.RootElement.GetProperty("runtimeOptions");
        Assert.Equal("Microsoft.NETCore.App", options.GetProperty("framework").GetProperty("name").GetString());
        Assert.False(options.TryGetProperty("frameworks", out _), "lms names more than one shared framework");

        var deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "lms.deps.json"));
        Assert.Contains("LmsCloud.Core", deps);
        Assert.Contains("LmsCloud.Sis", deps);
        Assert.DoesNotContain("LmsCloud.Api", deps);
    }

    [Fact]
    public void Core_references_no_aspnet_core_assembly()
    {
        var references = typeof(LmsDbContext).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Npgsql", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || r == "LmsCloud.Api");
    }
}
