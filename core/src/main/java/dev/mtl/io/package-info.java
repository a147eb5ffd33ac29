/**
 * File helpers shared by every module: atomic writes of files and directories, recursive delete.
 * Depends on nothing of ours.
 */
package dev.mtl.io;
