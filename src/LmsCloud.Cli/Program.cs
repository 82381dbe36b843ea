using Microsoft.Extensions.Configuration;

namespace LmsCloud.Cli;

static class Program
{
    // Configuration as for the API: ConnectionStrings__App / ConnectionStrings__Owner and Database__* from the environment.
    static Task<int> Main(string[] args) =>
        Cli.RunAsync(args, new ConfigurationBuilder().AddEnvironmentVariables().Build(), Console.Out, Console.Error);
}
